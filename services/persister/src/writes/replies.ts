import type { ReplyFailed, ReplySent, SendRequested } from "@igdm/contracts";
import type { TransactionSql } from "postgres";
import { jsonRows } from "./json.js";

/*
 * outbound_sends, one row per send id, and the `messages` row of a message we sent. A send moves from queued to
 * sent or failed; sent is final (a failure or a request arriving after it changes nothing), so any order of a
 * send's events ends in the same row. Within one statement `distinct on` keeps one event per send id.
 */

/** A send was asked for: the row starts queued; an existing row keeps its status (only the request time fills). */
export function insertSendRequests(sql: TransactionSql, events: readonly SendRequested[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    id: e.commandId,
    account_id: e.accountId,
    recipient_id: e.recipientId,
    text: e.text,
    requested_at: e.occurredAt,
  }));
  return sql`
    insert into outbound_sends as o (id, account_id, recipient_id, text, status, requested_at)
    select distinct on (x.id) x.id, x.account_id, x.recipient_id, x.text, 'queued', x.requested_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", id text, account_id text, recipient_id text, text text, requested_at timestamptz)
    order by x.id, x.requested_at, x.event_id
    on conflict (id) do update set requested_at = excluded.requested_at
    where o.requested_at is null or excluded.requested_at < o.requested_at`;
}

/**
 * Meta accepted the send: sent wins over queued and failed (whose reason and codes go), and the first acceptance
 * stays (a replay changes nothing).
 */
export function markSendsSent(sql: TransactionSql, events: readonly ReplySent[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    id: e.sendId,
    account_id: e.accountId,
    recipient_id: e.recipientId,
    text: e.text,
    message_id: e.messageId,
    in_reply_to: e.inReplyTo,
    rule_id: e.ruleId,
    sent_at: e.occurredAt,
  }));
  return sql`
    insert into outbound_sends as o (
      id, account_id, recipient_id, text, status, message_id, in_reply_to, rule_id, sent_at)
    select distinct on (x.id)
      x.id, x.account_id, x.recipient_id, x.text, 'sent', x.message_id, x.in_reply_to, x.rule_id, x.sent_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", id text, account_id text, recipient_id text, text text, message_id text,
      in_reply_to text, rule_id text, sent_at timestamptz)
    order by x.id, x.sent_at, x.event_id
    on conflict (id) do update set
      status = 'sent',
      message_id = excluded.message_id,
      sent_at = excluded.sent_at,
      reason = null,
      error_code = null,
      error_subcode = null,
      failed_at = null,
      in_reply_to = coalesce(o.in_reply_to, excluded.in_reply_to),
      rule_id = coalesce(o.rule_id, excluded.rule_id)
    where o.status <> 'sent' or excluded.sent_at < o.sent_at`;
}

/** The send will not happen: failed, with why, unless it was already sent; the newest failure's reason wins. */
export function markSendsFailed(sql: TransactionSql, events: readonly ReplyFailed[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    id: e.sendId,
    account_id: e.accountId,
    recipient_id: e.recipientId,
    text: e.text,
    reason: e.reason,
    error_code: e.errorCode,
    error_subcode: e.errorSubcode,
    in_reply_to: e.inReplyTo,
    rule_id: e.ruleId,
    failed_at: e.occurredAt,
  }));
  return sql`
    insert into outbound_sends as o (
      id, account_id, recipient_id, text, status, reason, error_code, error_subcode, in_reply_to, rule_id, failed_at)
    select distinct on (x.id)
      x.id, x.account_id, x.recipient_id, x.text, 'failed', x.reason, x.error_code, x.error_subcode, x.in_reply_to,
      x.rule_id, x.failed_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", id text, account_id text, recipient_id text, text text, reason text,
      error_code int, error_subcode int, in_reply_to text, rule_id text, failed_at timestamptz)
    order by x.id, x.failed_at desc, x.event_id desc
    on conflict (id) do update set
      status = 'failed',
      reason = excluded.reason,
      error_code = excluded.error_code,
      error_subcode = excluded.error_subcode,
      failed_at = excluded.failed_at,
      in_reply_to = coalesce(o.in_reply_to, excluded.in_reply_to),
      rule_id = coalesce(o.rule_id, excluded.rule_id)
    where o.status = 'queued' or (o.status = 'failed' and excluded.failed_at > o.failed_at)`;
}

/**
 * The message we sent, keyed by Meta's mid like its echo. Only fills what the row does not know yet, so the echo
 * (Meta's own record, which overrides) and this merge into one row in either order; never touches an edit or an
 * unsend.
 */
export function upsertSentMessages(sql: TransactionSql, events: readonly ReplySent[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    message_id: e.messageId,
    sender_id: e.accountId,
    recipient_id: e.recipientId,
    ig_id: e.accountId,
    text: e.text,
    sent_at: e.occurredAt,
  }));
  return sql`
    insert into messages as m (message_id, sender_id, recipient_id, ig_id, direction, text, sent_at)
    select distinct on (x.message_id)
      x.message_id, x.sender_id, x.recipient_id, x.ig_id, 'outbound', x.text, x.sent_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", message_id text, sender_id text, recipient_id text, ig_id text, text text,
      sent_at timestamptz)
    order by x.message_id, x.sent_at, x.event_id
    on conflict (message_id) do update set
      sender_id = coalesce(m.sender_id, excluded.sender_id),
      recipient_id = coalesce(m.recipient_id, excluded.recipient_id),
      ig_id = coalesce(m.ig_id, excluded.ig_id),
      direction = coalesce(m.direction, excluded.direction),
      text = case when m.is_deleted then null else coalesce(m.text, excluded.text) end,
      sent_at = coalesce(m.sent_at, excluded.sent_at)`;
}
