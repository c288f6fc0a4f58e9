import { LastInboundReply, LastInboundRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

/** When `userId` last wrote to the account (Instagram account or page), as an ISO time; null if never. */
export async function lastInbound(sql: Sql, accountId: string, userId: string): Promise<string | null> {
  const [row] = await sql<{ last: Date | null }[]>`
    select max(sent_at) as last
    from messages
    where (ig_id = ${accountId} or page_id = ${accountId}) and sender_id = ${userId} and direction = 'inbound'`;
  return row?.last ? row.last.toISOString() : null;
}

/** Answers LastInboundRequest on `<prefix>igdm.rpc.persister.last-inbound`. */
export const serveLastInbound = persisterRpc(
  "last-inbound",
  { request: LastInboundRequest, reply: LastInboundReply },
  async (sql, req) => ({ ok: true as const, lastInboundAt: await lastInbound(sql, req.accountId, req.userId) }),
);
