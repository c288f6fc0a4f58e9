import type { UnrecognisedEvent } from "@igdm/contracts";
import type { TransactionSql } from "postgres";
import { jsonRows } from "./json.js";

/** Kept whole with the reason and where it came from, so an operator can find the delivery in webhook_logs. */
export function insertUnrecognised(sql: TransactionSql, events: readonly UnrecognisedEvent[]) {
  const rows = events.map((e) => ({
    event_id: e.id,
    account_id: e.accountId,
    object: e.object,
    reason: e.reason,
    raw: e.raw,
    source: e.source,
    occurred_at: e.occurredAt,
    received_at: e.receivedAt,
  }));
  // A JSON null (or an absent raw) comes out of jsonb_to_recordset as SQL null: stored as JSON null.
  return sql`
    insert into unrecognised_events (event_id, account_id, object, reason, raw, source, occurred_at, received_at)
    select x.event_id, x.account_id, x.object, x.reason, coalesce(x.raw, 'null'), x.source, x.occurred_at,
      x.received_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text, account_id text, object text, reason text, raw jsonb, source jsonb, occurred_at timestamptz,
      received_at timestamptz)
    on conflict (event_id) do nothing`;
}
