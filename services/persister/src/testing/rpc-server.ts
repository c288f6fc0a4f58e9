import { type Topology, topology } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { createLogger, type Logger, requestRpc } from "@igdm/runtime";
import { connectTestNats, uniqueNamespace } from "@igdm/testkit";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll } from "vitest";
import type { z } from "zod";

type Serve = (opts: { nc: NatsConnection; sql: Sql; topology: Topology; log: Logger }) => Subscription;

/**
 * Registers hooks that serve one persister RPC over real NATS in a namespace of its own, and returns a typed
 * client for it (`call`) plus `raw`, which sends any JSON body.
 */
export function useRpcServer<Req extends z.ZodType, Rep extends z.ZodType>(
  db: { readonly sql: Sql },
  name: string,
  serve: Serve,
  schemas: { request: Req; reply: Rep },
) {
  const t = topology(uniqueNamespace(name.replaceAll("-", "")));
  const subject = t.subjects.rpc("persister", name);
  const log = createLogger({ service: "persister-test", level: "silent" });
  let server: NatsConnection;
  let client: NatsConnection;
  let responder: Subscription;

  beforeAll(async () => {
    [server, client] = await Promise.all([connectTestNats(), connectTestNats()]);
    responder = serve({ nc: server, sql: db.sql, topology: t, log });
    await server.flush();
  });

  afterAll(async () => {
    responder?.unsubscribe();
    await Promise.all([server?.drain(), client?.drain()]);
  });

  return {
    call: (body: z.input<Req>): Promise<z.output<Rep>> => requestRpc(client, subject, schemas, body, 5000),
    raw: async (body: unknown): Promise<unknown> => {
      const m = await client.request(subject, new TextEncoder().encode(JSON.stringify(body)), { timeout: 5000 });
      return m.json();
    },
  };
}
