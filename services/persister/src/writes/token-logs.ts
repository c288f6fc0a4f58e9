import type { AccountEvent, TokenSubjectType } from "@igdm/contracts";
import type { TransactionSql } from "postgres";
import type { Statement } from "./accounts.js";
import { jsonRows } from "./json.js";

export interface TokenLogEntry {
  subjectType: TokenSubjectType;
  subjectId: string;
  /** connected, refreshed, validated, refresh_failed, invalidated, subscribed, resubscribed or unsubscribed. */
  event: string;
  /** What the event said, built field by field: never a token or its ciphertext. */
  detail: Record<string, unknown>;
}

/** The history line of an account event; the switch is exhaustive, so a new account event kind must be named here. */
export function tokenLogEntry(e: AccountEvent): TokenLogEntry {
  switch (e.kind) {
    case "user_connected":
      return {
        subjectType: "user",
        subjectId: e.userId,
        event: "connected",
        detail: { name: e.name, tokenExpiresAt: e.tokenExpiresAt, scopes: e.scopes },
      };
    case "page_connected":
      return {
        subjectType: "page",
        subjectId: e.pageId,
        event: "connected",
        detail: { userId: e.userId, name: e.name },
      };
    case "instagram_account_linked":
      return {
        subjectType: "instagram_account",
        subjectId: e.igId,
        event: "connected",
        detail: {
          username: e.username,
          loginType: e.loginType,
          pageId: e.pageId,
          userId: e.userId,
          hasOwnToken: e.accessTokenEnc !== undefined,
          tokenExpiresAt: e.accessTokenEnc ? e.tokenExpiresAt : undefined,
        },
      };
    case "page_subscription":
      return {
        subjectType: "page",
        subjectId: e.pageId,
        event: !e.subscribed ? "unsubscribed" : e.resubscribed ? "resubscribed" : "subscribed",
        detail: { subscribed: e.subscribed, resubscribed: e.resubscribed, fields: e.fields },
      };
    case "token_refreshed":
      return {
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        event: "refreshed",
        detail: { tokenExpiresAt: e.tokenExpiresAt },
      };
    case "token_validated":
      return {
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        event: "validated",
        detail: { tokenExpiresAt: e.tokenExpiresAt, scopes: e.scopes },
      };
    case "token_refresh_failed":
      return {
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        event: "refresh_failed",
        detail: { reason: e.reason },
      };
    case "reauth_needed":
      return {
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        event: "invalidated",
        detail: { reason: e.reason, errorCode: e.errorCode, errorSubcode: e.errorSubcode },
      };
    default:
      return e satisfies never;
  }
}

/** One row per account event, keyed by the event id: a replay inserts nothing. */
export function insertTokenLogs(sql: TransactionSql, events: readonly AccountEvent[]): Statement {
  const rows = events.map((e) => {
    const entry = tokenLogEntry(e);
    return {
      event_id: e.id,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId,
      event: entry.event,
      detail: entry.detail,
      occurred_at: e.occurredAt,
    };
  });
  return sql`
    insert into token_logs (event_id, subject_type, subject_id, event, detail, occurred_at)
    select x.event_id, x.subject_type, x.subject_id, x.event, x.detail, x.occurred_at
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      event_id text, subject_type text, subject_id text, event text, detail jsonb, occurred_at timestamptz)
    on conflict (event_id) do nothing`;
}
