import type { CommentReceived, MentionReceived } from "@igdm/contracts";
import type { TransactionSql } from "postgres";
import { jsonRows } from "./json.js";

/**
 * Keyed by Meta's comment id: the event with the newest timestamp (event id breaks ties) replaces the whole row,
 * so any order of replays ends with the same row.
 */
export function upsertComments(sql: TransactionSql, events: readonly CommentReceived[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    comment_id: e.commentId,
    account_id: e.accountId,
    object: e.object,
    field: e.field,
    text: e.text,
    from_id: e.fromId,
    from_username: e.fromUsername,
    media_id: e.mediaId,
    media_product_type: e.mediaProductType,
    parent_id: e.parentId,
    occurred_at: e.occurredAt,
  }));
  return sql`
    insert into comments as c (
      comment_id, account_id, object, field, text, from_id, from_username, media_id, media_product_type, parent_id,
      occurred_at, event_id)
    select distinct on (x.comment_id)
      x.comment_id, x.account_id, x.object, x.field, x.text, x.from_id, x.from_username, x.media_id,
      x.media_product_type, x.parent_id, x.occurred_at, x.event_id
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text collate "C", comment_id text, account_id text, object text, field text, text text, from_id text,
      from_username text, media_id text, media_product_type text, parent_id text, occurred_at timestamptz)
    order by x.comment_id, x.occurred_at desc, x.event_id desc
    on conflict (comment_id) do update set
      account_id = excluded.account_id,
      object = excluded.object,
      field = excluded.field,
      text = excluded.text,
      from_id = excluded.from_id,
      from_username = excluded.from_username,
      media_id = excluded.media_id,
      media_product_type = excluded.media_product_type,
      parent_id = excluded.parent_id,
      occurred_at = excluded.occurred_at,
      event_id = excluded.event_id
    where (excluded.occurred_at, excluded.event_id) > (c.occurred_at, c.event_id)`;
}

/** A mention may name a comment, a caption's media, or both: the event id is the only key every mention has. */
export function insertMentions(sql: TransactionSql, events: readonly MentionReceived[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    account_id: e.accountId,
    object: e.object,
    media_id: e.mediaId,
    comment_id: e.commentId,
    occurred_at: e.occurredAt,
  }));
  return sql`
    insert into mentions (event_id, account_id, object, media_id, comment_id, occurred_at)
    select x.event_id, x.account_id, x.object, x.media_id, x.comment_id, x.occurred_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text, account_id text, object text, media_id text, comment_id text, occurred_at timestamptz)
    on conflict (event_id) do nothing`;
}
