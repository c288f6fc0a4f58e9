import type { Topology } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { type Logger, type NatsConnection, serveRpc } from "@igdm/runtime";
import type { Subscription } from "@nats-io/transport-node";
import type { z } from "zod";

/** What every persister RPC needs to be served: the NATS connection, the database, the topology and a logger. */
export interface PersisterRpcContext {
  nc: NatsConnection;
  sql: Sql;
  topology: Topology;
  log: Logger;
}

/**
 * One request/reply operation of the persister on `<prefix>igdm.rpc.persister.<operation>`, answered by the
 * `persister` queue group (one replica answers each request). Returns the function that starts serving it;
 * unsubscribe the subscription it returns to stop.
 */
export function persisterRpc<Req extends z.ZodType, Rep extends z.ZodType>(
  operation: string,
  schemas: { request: Req; reply: Rep },
  handle: (sql: Sql, req: z.output<Req>) => Promise<z.input<Rep>>,
): (ctx: PersisterRpcContext) => Subscription {
  return (ctx) =>
    serveRpc({
      nc: ctx.nc,
      subject: ctx.topology.subjects.rpc("persister", operation),
      queue: "persister",
      request: schemas.request,
      reply: schemas.reply,
      log: ctx.log,
      handle: (req) => handle(ctx.sql, req),
    });
}
