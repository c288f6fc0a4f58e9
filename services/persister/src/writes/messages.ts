import type { MessageDeleted, MessageEdited, MessageReceived } from "@igdm/contracts";
import type { TransactionSql } from "postgres";
import { jsonRows } from "./json.js";

/*
 * Three upserts on `messages`, keyed by mid. Each one, applied to a missing row, inserts exactly what it would leave
 * on a blank placeholder, and the three commute: message, edits and unsend reach the same row in any order, any
 * number of times. Within one statement `distinct on` keeps one event per mid (an upsert may not touch a row twice).
 */

/** ig_id for Instagram traffic, page_id for Messenger traffic (object = page). */
function accountColumns(e: { object: string; accountId: string }) {
  return {
    ig_id: e.object === "instagram" ? e.accountId : undefined,
    page_id: e.object === "page" ? e.accountId : undefined,
  };
}

function parties(e: MessageReceived | MessageDeleted | MessageEdited) {
  return {
    event_id: e.id,
    message_id: e.mid,
    sender_id: e.senderId,
    recipient_id: e.recipientId,
    ...accountColumns(e),
  };
}

/**
 * The message's content fills the row; known fields are never blanked (an echo merges into the row of our own
 * send). Text already replaced by an edit stays; text and attachments of an unsent message stay cleared.
 */
export function upsertMessages(sql: TransactionSql, events: readonly MessageReceived[]) {
  const rows = events.map((e) => ({
    ...parties(e),
    direction: e.direction,
    is_echo: e.isEcho,
    text: e.text,
    attachments: e.attachments,
    reply_to: e.replyTo,
    quick_reply_payload: e.quickReplyPayload,
    referral: e.referral,
    is_unsupported: e.isUnsupported,
    sent_at: e.occurredAt,
  }));
  return sql`
    insert into messages as m (
      message_id, sender_id, recipient_id, ig_id, page_id, direction, is_echo, text, attachments, reply_to,
      quick_reply_payload, referral, is_unsupported, sent_at)
    select distinct on (x.message_id)
      x.message_id, x.sender_id, x.recipient_id, x.ig_id, x.page_id, x.direction, x.is_echo, x.text,
      coalesce(x.attachments, '[]'), x.reply_to, x.quick_reply_payload, x.referral, x.is_unsupported, x.sent_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", message_id text, sender_id text, recipient_id text, ig_id text, page_id text,
      direction text, is_echo boolean, text text, attachments jsonb, reply_to jsonb, quick_reply_payload text,
      referral jsonb, is_unsupported boolean, sent_at timestamptz)
    order by x.message_id, x.sent_at desc, x.event_id desc
    on conflict (message_id) do update set
      sender_id = coalesce(excluded.sender_id, m.sender_id),
      recipient_id = coalesce(excluded.recipient_id, m.recipient_id),
      ig_id = coalesce(excluded.ig_id, m.ig_id),
      page_id = coalesce(excluded.page_id, m.page_id),
      direction = coalesce(excluded.direction, m.direction),
      is_echo = m.is_echo or excluded.is_echo,
      text = case
        when m.is_deleted then null when m.edit_count > 0 then m.text else coalesce(excluded.text, m.text) end,
      attachments = case
        when m.is_deleted or excluded.attachments = '[]' then m.attachments else excluded.attachments end,
      reply_to = coalesce(excluded.reply_to, m.reply_to),
      quick_reply_payload = coalesce(excluded.quick_reply_payload, m.quick_reply_payload),
      referral = coalesce(excluded.referral, m.referral),
      is_unsupported = m.is_unsupported or excluded.is_unsupported,
      sent_at = coalesce(excluded.sent_at, m.sent_at)`;
}

/**
 * The user unsent the message: text and attachments go, and stay gone when the message itself arrives later.
 * deleted_at is the earliest unsend seen, so duplicates in any order agree.
 */
export function markMessagesDeleted(sql: TransactionSql, events: readonly MessageDeleted[]) {
  const rows = events.map((e) => ({ ...parties(e), deleted_at: e.occurredAt }));
  return sql`
    insert into messages as m (
      message_id, sender_id, recipient_id, ig_id, page_id, is_deleted, deleted_at, text, attachments)
    select distinct on (x.message_id)
      x.message_id, x.sender_id, x.recipient_id, x.ig_id, x.page_id, true, x.deleted_at, null, '[]'
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", message_id text, sender_id text, recipient_id text, ig_id text, page_id text,
      deleted_at timestamptz)
    order by x.message_id, x.deleted_at, x.event_id
    on conflict (message_id) do update set
      sender_id = coalesce(m.sender_id, excluded.sender_id),
      recipient_id = coalesce(m.recipient_id, excluded.recipient_id),
      ig_id = coalesce(m.ig_id, excluded.ig_id),
      page_id = coalesce(m.page_id, excluded.page_id),
      is_deleted = true,
      deleted_at = least(m.deleted_at, excluded.deleted_at),
      text = null,
      attachments = '[]'`;
}

/**
 * Edits arrive out of order and before their message: Meta's running num_edit decides, so only a higher count
 * replaces the text. An unsent message keeps no text, but still records that it was edited.
 */
export function applyMessageEdits(sql: TransactionSql, events: readonly MessageEdited[]) {
  const rows = events.map((e) => ({ ...parties(e), text: e.text, num_edit: e.numEdit, edited_at: e.occurredAt }));
  return sql`
    insert into messages as m (message_id, sender_id, recipient_id, ig_id, page_id, text, edit_count, edited_at)
    select distinct on (x.message_id)
      x.message_id, x.sender_id, x.recipient_id, x.ig_id, x.page_id,
      case when x.num_edit > 0 then x.text end, x.num_edit, case when x.num_edit > 0 then x.edited_at end
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", message_id text, sender_id text, recipient_id text, ig_id text, page_id text,
      text text, num_edit int, edited_at timestamptz)
    order by x.message_id, x.num_edit desc, x.edited_at desc, x.event_id desc
    on conflict (message_id) do update set
      sender_id = coalesce(m.sender_id, excluded.sender_id),
      recipient_id = coalesce(m.recipient_id, excluded.recipient_id),
      ig_id = coalesce(m.ig_id, excluded.ig_id),
      page_id = coalesce(m.page_id, excluded.page_id),
      text = case when m.is_deleted then null else excluded.text end,
      edit_count = excluded.edit_count,
      edited_at = excluded.edited_at
    where excluded.edit_count > m.edit_count`;
}
