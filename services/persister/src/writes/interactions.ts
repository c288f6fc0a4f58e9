import type { MessageRead, PostbackReceived, ReferralReceived } from "@igdm/contracts";
import type { TransactionSql } from "postgres";
import { jsonRows } from "./json.js";

/* Reads, postbacks and referrals are facts, one row per event: the event id is the key, a replay inserts nothing. */

export function insertReads(sql: TransactionSql, events: readonly MessageRead[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    account_id: e.accountId,
    object: e.object,
    reader_id: e.senderId,
    recipient_id: e.recipientId,
    message_id: e.mid,
    occurred_at: e.occurredAt,
  }));
  return sql`
    insert into message_reads (event_id, account_id, object, reader_id, recipient_id, message_id, occurred_at)
    select x.event_id, x.account_id, x.object, x.reader_id, x.recipient_id, x.message_id, x.occurred_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text, account_id text, object text, reader_id text, recipient_id text, message_id text,
      occurred_at timestamptz)
    on conflict (event_id) do nothing`;
}

export function insertPostbacks(sql: TransactionSql, events: readonly PostbackReceived[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    account_id: e.accountId,
    object: e.object,
    sender_id: e.senderId,
    recipient_id: e.recipientId,
    message_id: e.mid,
    title: e.title,
    payload: e.payload,
    occurred_at: e.occurredAt,
  }));
  return sql`
    insert into postbacks (
      event_id, account_id, object, sender_id, recipient_id, message_id, title, payload, occurred_at)
    select x.event_id, x.account_id, x.object, x.sender_id, x.recipient_id, x.message_id, x.title, x.payload,
      x.occurred_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text, account_id text, object text, sender_id text, recipient_id text, message_id text, title text,
      payload text, occurred_at timestamptz)
    on conflict (event_id) do nothing`;
}

export function insertReferrals(sql: TransactionSql, events: readonly ReferralReceived[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    account_id: e.accountId,
    object: e.object,
    sender_id: e.senderId,
    recipient_id: e.recipientId,
    ref: e.referral.ref,
    source: e.referral.source,
    type: e.referral.type,
    ad_id: e.referral.adId,
    ads_context_data: e.referral.adsContextData,
    occurred_at: e.occurredAt,
  }));
  return sql`
    insert into referrals (
      event_id, account_id, object, sender_id, recipient_id, ref, source, type, ad_id, ads_context_data, occurred_at)
    select x.event_id, x.account_id, x.object, x.sender_id, x.recipient_id, x.ref, x.source, x.type, x.ad_id,
      x.ads_context_data, x.occurred_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text, account_id text, object text, sender_id text, recipient_id text, ref text, source text,
      type text, ad_id text, ads_context_data jsonb, occurred_at timestamptz)
    on conflict (event_id) do nothing`;
}
