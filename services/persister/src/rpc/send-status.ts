import { SendStatusReply, SendStatusRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

interface SendRow {
  status: "queued" | "sent" | "failed";
  message_id: string | null;
  reason: string | null;
  updated_at: Date;
}

/** The state of a send, from outbound_sends; IGDM_ERR_NOT_FOUND for an id never seen. */
export async function sendStatus(sql: Sql, sendId: string): Promise<SendStatusReply> {
  const [row] = await sql<SendRow[]>`
    select status, message_id, reason, updated_at from outbound_sends where id = ${sendId}`;
  if (!row) return { ok: false, code: "IGDM_ERR_NOT_FOUND", message: `no send ${sendId}` };
  return {
    ok: true,
    sendId,
    status: row.status,
    ...(row.message_id === null ? {} : { messageId: row.message_id }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Answers SendStatusRequest on `<prefix>igdm.rpc.persister.send-status`. */
export const serveSendStatus = persisterRpc(
  "send-status",
  { request: SendStatusRequest, reply: SendStatusReply },
  (sql, req) => sendStatus(sql, req.sendId),
);
