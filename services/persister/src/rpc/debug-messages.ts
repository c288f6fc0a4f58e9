import { type DebugMessage, DebugMessagesReply, DebugMessagesRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

interface MessageRow {
  message_id: string;
  direction: "inbound" | "outbound" | null;
  ig_id: string | null;
  page_id: string | null;
  sender_id: string | null;
  recipient_id: string | null;
  text: string | null;
  attachments: unknown[];
  is_echo: boolean;
  is_deleted: boolean;
  edit_count: number;
  sent_at: Date | null;
  updated_at: Date;
}

/**
 * The newest messages first (Meta's time, or when we stored the row for a placeholder that has none yet),
 * optionally of one Instagram account.
 */
export async function debugMessages(
  sql: Sql,
  req: { limit: number; igId?: string | undefined },
): Promise<DebugMessage[]> {
  const rows = await sql<MessageRow[]>`
    select message_id, direction, ig_id, page_id, sender_id, recipient_id, text, attachments, is_echo, is_deleted,
      edit_count, sent_at, updated_at
    from messages
    where ${req.igId === undefined ? sql`true` : sql`ig_id = ${req.igId}`}
    order by coalesce(sent_at, created_at) desc, message_id desc
    limit ${req.limit}`;
  return rows.map((r) => ({
    messageId: r.message_id,
    direction: r.direction,
    igId: r.ig_id,
    pageId: r.page_id,
    senderId: r.sender_id,
    recipientId: r.recipient_id,
    text: r.text,
    attachments: r.attachments,
    isEcho: r.is_echo,
    isDeleted: r.is_deleted,
    editCount: r.edit_count,
    sentAt: r.sent_at?.toISOString() ?? null,
    updatedAt: r.updated_at.toISOString(),
  }));
}

/** Answers DebugMessagesRequest on `<prefix>igdm.rpc.persister.debug-messages`. */
export const serveDebugMessages = persisterRpc(
  "debug-messages",
  { request: DebugMessagesRequest, reply: DebugMessagesReply },
  async (sql, req) => ({ ok: true as const, messages: await debugMessages(sql, req) }),
);
