import { LastInboundReply, LastInboundRequest, type Topology } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { type Logger, type NatsConnection, serveRpc } from "@igdm/runtime";
import type { Subscription } from "@nats-io/transport-node";

/** When `userId` last wrote to the account (Instagram account or page), as an ISO time; null if never. */
export async function lastInbound(sql: Sql, accountId: string, userId: string): Promise<string | null> {
  const [row] = await sql<{ last: Date | null }[]>`
    select max(sent_at) as last
    from messages
    where (ig_id = ${accountId} or page_id = ${accountId}) and sender_id = ${userId} and direction = 'inbound'`;
  return row?.last ? row.last.toISOString() : null;
}

/** Answers LastInboundRequest on `<prefix>igdm.rpc.persister.last-inbound`. */
export function serveLastInbound(opts: {
  nc: NatsConnection;
  sql: Sql;
  topology: Topology;
  log: Logger;
}): Subscription {
  return serveRpc({
    nc: opts.nc,
    subject: opts.topology.subjects.rpc("persister", "last-inbound"),
    queue: "persister",
    request: LastInboundRequest,
    reply: LastInboundReply,
    log: opts.log,
    handle: async (req) => ({
      ok: true as const,
      lastInboundAt: await lastInbound(opts.sql, req.accountId, req.userId),
    }),
  });
}
