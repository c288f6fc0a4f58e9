import type { ReactionChanged } from "@igdm/contracts";
import type { TransactionSql } from "postgres";
import { jsonRows } from "./json.js";

/**
 * One row per (mid, reactor) holding the state of the event with the newest Meta timestamp (event id breaks ties,
 * so replays in any order agree). An unreact overwrites the row instead of deleting it: the tombstone's timestamp
 * is what stops a late, older react from bringing the reaction back.
 */
export function upsertReactions(sql: TransactionSql, events: readonly ReactionChanged[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    message_id: e.mid,
    reactor_id: e.senderId,
    recipient_id: e.recipientId,
    account_id: e.accountId,
    object: e.object,
    action: e.action,
    reaction: e.reaction,
    emoji: e.emoji,
    occurred_at: e.occurredAt,
  }));
  return sql`
    insert into message_reactions as r (
      message_id, reactor_id, recipient_id, account_id, object, action, reaction, emoji, occurred_at, event_id)
    select distinct on (x.message_id, x.reactor_id)
      x.message_id, x.reactor_id, x.recipient_id, x.account_id, x.object, x.action, x.reaction, x.emoji,
      x.occurred_at, x.event_id
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", message_id text, reactor_id text, recipient_id text, account_id text, object text,
      action text, reaction text, emoji text, occurred_at timestamptz)
    order by x.message_id, x.reactor_id, x.occurred_at desc, x.event_id desc
    on conflict (message_id, reactor_id) do update set
      recipient_id = excluded.recipient_id,
      account_id = excluded.account_id,
      object = excluded.object,
      action = excluded.action,
      reaction = excluded.reaction,
      emoji = excluded.emoji,
      occurred_at = excluded.occurred_at,
      event_id = excluded.event_id
    where (excluded.occurred_at, excluded.event_id) > (r.occurred_at, r.event_id)`;
}
