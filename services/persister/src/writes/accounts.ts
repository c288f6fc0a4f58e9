import type {
  InstagramAccountLinked,
  PageConnected,
  PageSubscriptionChanged,
  ReauthNeeded,
  TokenRefreshed,
  TokenSubjectType,
  TokenValidated,
  UserConnected,
} from "@igdm/contracts";
import type { PendingQuery, Row, TransactionSql } from "postgres";
import { jsonRows } from "./json.js";

/*
 * Account and token events into users, pages and instagram_accounts. Each group of columns is a register that
 * remembers the occurredAt of the event that set it (see the migration 20261128000200_accounts.sql) and only a
 * newer event replaces it, so any order, batching and replay of the same events ends in the same rows, and a replay
 * that changes nothing does not even touch updated_at (the `where` clauses skip it).
 *
 * Within one statement `distinct on` keeps the newest event per row (an upsert may not touch a row twice); parents
 * are written before children (users, then pages, then Instagram accounts), and a child whose parent is not stored
 * yet upserts a placeholder parent holding only its id.
 *
 * The statements name their table through the alias `s` (the subject), so the register fragments below are shared.
 * Their texts are fixed at load time (table names come from a closed list), so each is prepared once.
 */

/** A statement of the batch's transaction. */
export type Statement = PendingQuery<Row[]>;

export const SUBJECT_TABLES = {
  user: "users",
  page: "pages",
  instagram_account: "instagram_accounts",
} as const satisfies Record<TokenSubjectType, string>;

/** The proposed value of a register is newer than the stored one (a missing stored value is older than anything). */
const newer = (column: string) => `excluded.${column} > coalesce(s.${column}, '-infinity')`;

/**
 * The token register, for events that carry a token (excluded.token_updated_at null: no token, nothing changes).
 * The expiry follows the token unless a debug_token check newer than the token's event already reported it.
 */
const SET_TOKEN = `
  access_token_enc = case when ${newer("token_updated_at")} then excluded.access_token_enc else s.access_token_enc end,
  token_refreshed_at = case when ${newer("token_updated_at")} then excluded.token_refreshed_at
    else s.token_refreshed_at end,
  token_expires_at = case
    when ${newer("token_updated_at")} and excluded.token_updated_at >= coalesce(s.last_validated_at, '-infinity')
    then excluded.token_expires_at else s.token_expires_at end,
  token_updated_at = greatest(s.token_updated_at, excluded.token_updated_at)`;

/**
 * A connect or refresh makes the token 'valid', unless something newer said otherwise. A deauthorize sets
 * token_status_at (and token_updated_at) to its own time, so only a connect newer than it lifts 'revoked'.
 */
const SET_STATUS_VALID = `
  token_status = case when ${newer("token_status_at")} then excluded.token_status else s.token_status end,
  token_status_at = greatest(s.token_status_at, excluded.token_status_at)`;

const CHANGES_TOKEN_OR_STATUS = `${newer("token_updated_at")} or ${newer("token_status_at")}`;

/** Profile columns follow the newest connect whole (a relink through another flow also clears stale links). */
const setProfile = (columns: readonly string[]) =>
  [
    ...columns.map((c) => `${c} = case when ${newer("connected_at")} then excluded.${c} else s.${c} end`),
    "connected_at = greatest(s.connected_at, excluded.connected_at)",
  ].join(",\n  ");

/** Placeholder parents: a row holding only its id, filled by the parent's own event when it arrives. */
const PLACEHOLDER_USERS = `
insert into users (id)
select distinct x.user_id from jsonb_to_recordset($1::text::jsonb) as x(user_id text)
where x.user_id is not null
on conflict (id) do nothing`;

const PLACEHOLDER_PAGES = `
insert into pages (id, user_id)
select distinct on (x.page_id) x.page_id, x.user_id
from jsonb_to_recordset($1::text::jsonb) as x(page_id text, user_id text)
where x.page_id is not null
order by x.page_id, x.user_id
on conflict (id) do nothing`;

const UPSERT_USERS = `
insert into users as s (
  id, name, connected_at, access_token_enc, token_expires_at, token_refreshed_at, token_updated_at, token_status,
  token_status_at)
select distinct on (x.id)
  x.id, x.name, x.occurred_at, x.access_token_enc, x.token_expires_at, x.occurred_at, x.occurred_at, 'valid',
  x.occurred_at
from jsonb_to_recordset($1::text::jsonb) as x(
  event_id text collate "C", id text, name text, access_token_enc text, token_expires_at timestamptz,
  occurred_at timestamptz)
order by x.id, x.occurred_at desc, x.event_id desc
on conflict (id) do update set
  ${setProfile(["name"])},
  ${SET_TOKEN},
  ${SET_STATUS_VALID}
where ${newer("connected_at")} or ${CHANGES_TOKEN_OR_STATUS}`;

/** Page tokens do not expire and are not refreshed: a reconnect clears the expiry and the refresh time. */
const UPSERT_PAGES = `
insert into pages as s (
  id, user_id, name, connected_at, access_token_enc, token_updated_at, token_status, token_status_at)
select distinct on (x.id)
  x.id, x.user_id, x.name, x.occurred_at, x.access_token_enc, x.occurred_at, 'valid', x.occurred_at
from jsonb_to_recordset($1::text::jsonb) as x(
  event_id text collate "C", id text, user_id text, name text, access_token_enc text, occurred_at timestamptz)
order by x.id, x.occurred_at desc, x.event_id desc
on conflict (id) do update set
  ${setProfile(["user_id", "name"])},
  ${SET_TOKEN},
  ${SET_STATUS_VALID}
where ${newer("connected_at")} or ${CHANGES_TOKEN_OR_STATUS}`;

/** token_updated_at is null for Facebook Login accounts (no token of their own: they use their page's). */
const UPSERT_INSTAGRAM_ACCOUNTS = `
insert into instagram_accounts as s (
  id, username, page_id, user_id, login_type, app_scoped_user_id, connected_at, access_token_enc, token_expires_at,
  token_refreshed_at, token_updated_at, token_status, token_status_at)
select distinct on (x.id)
  x.id, x.username, x.page_id, x.user_id, x.login_type, x.app_scoped_user_id, x.occurred_at, x.access_token_enc,
  x.token_expires_at, x.token_updated_at, x.token_updated_at, 'valid', x.occurred_at
from jsonb_to_recordset($1::text::jsonb) as x(
  event_id text collate "C", id text, username text, page_id text, user_id text, login_type text,
  app_scoped_user_id text, access_token_enc text, token_expires_at timestamptz, token_updated_at timestamptz, occurred_at timestamptz)
order by x.id, x.occurred_at desc, x.event_id desc
on conflict (id) do update set
  ${setProfile(["username", "page_id", "user_id", "login_type", "app_scoped_user_id"])},
  ${SET_TOKEN},
  ${SET_STATUS_VALID}
where ${newer("connected_at")} or ${CHANGES_TOKEN_OR_STATUS}`;

/**
 * The newest event sets subscribed and the fields; last_subscribed_at is the newest time any event saw the page
 * subscribed, older ones of the same batch included (the window runs before `distinct on`).
 */
const UPSERT_SUBSCRIPTIONS = `
insert into pages as s (id, subscribed, subscribed_fields, last_subscribed_at, subscription_updated_at)
select distinct on (x.id)
  x.id, x.subscribed, x.fields, max(x.occurred_at) filter (where x.subscribed) over (partition by x.id),
  x.occurred_at
from jsonb_to_recordset($1::text::jsonb) as x(
  event_id text collate "C", id text, subscribed boolean, fields text[], occurred_at timestamptz)
order by x.id, x.occurred_at desc, x.event_id desc
on conflict (id) do update set
  subscribed = case when ${newer("subscription_updated_at")} then excluded.subscribed else s.subscribed end,
  subscribed_fields = case when ${newer("subscription_updated_at")} then excluded.subscribed_fields
    else s.subscribed_fields end,
  subscription_updated_at = greatest(s.subscription_updated_at, excluded.subscription_updated_at),
  last_subscribed_at = greatest(s.last_subscribed_at, excluded.last_subscribed_at)
where ${newer("subscription_updated_at")} or ${newer("last_subscribed_at")}`;

/**
 * A refreshed token replaces an older one and makes it 'valid', except on a revoked row: the person removed the app
 * (a refresh that raced the deauthorize must not bring the token back); only a newer connect lifts that.
 */
const REFRESH_TOKENS = (table: string) => `
insert into ${table} as s (
  id, access_token_enc, token_expires_at, token_refreshed_at, token_updated_at, token_status, token_status_at)
select distinct on (x.id)
  x.id, x.access_token_enc, x.token_expires_at, x.occurred_at, x.occurred_at, 'valid', x.occurred_at
from jsonb_to_recordset($1::text::jsonb) as x(
  event_id text collate "C", id text, access_token_enc text, token_expires_at timestamptz, occurred_at timestamptz)
order by x.id, x.occurred_at desc, x.event_id desc
on conflict (id) do update set
  ${SET_TOKEN},
  ${SET_STATUS_VALID}
where s.token_status <> 'revoked' and (${CHANGES_TOKEN_OR_STATUS})`;

/**
 * debug_token found the token valid: 'valid' unless revoked (only a reconnect lifts that) or something newer said
 * otherwise; the expiry it reports replaces the stored one when the check is newer than the token's own event.
 */
const VALIDATE_TOKENS = (table: string) => `
insert into ${table} as s (id, token_expires_at, token_status, token_status_at, last_validated_at)
select distinct on (x.id) x.id, x.token_expires_at, 'valid', x.occurred_at, x.occurred_at
from jsonb_to_recordset($1::text::jsonb) as x(
  event_id text collate "C", id text, token_expires_at timestamptz, occurred_at timestamptz)
order by x.id, x.occurred_at desc, x.event_id desc
on conflict (id) do update set
  token_status = case when s.token_status <> 'revoked' and ${newer("token_status_at")} then 'valid'
    else s.token_status end,
  token_status_at = case when s.token_status <> 'revoked' and ${newer("token_status_at")}
    then excluded.token_status_at else s.token_status_at end,
  token_expires_at = case
    when excluded.last_validated_at > coalesce(s.token_updated_at, '-infinity') and ${newer("last_validated_at")}
    then excluded.token_expires_at else s.token_expires_at end,
  last_validated_at = greatest(s.last_validated_at, excluded.last_validated_at)
where ${newer("last_validated_at")} or (s.token_status <> 'revoked' and ${newer("token_status_at")})`;

/** The token is dead: 'invalid' (it wins a tie with a 'valid' of the same instant) until a newer connect or refresh. */
const INVALIDATE_TOKENS = (table: string) => `
insert into ${table} as s (id, token_status, token_status_at)
select distinct on (x.id) x.id, 'invalid', x.occurred_at
from jsonb_to_recordset($1::text::jsonb) as x(event_id text collate "C", id text, occurred_at timestamptz)
order by x.id, x.occurred_at desc, x.event_id desc
on conflict (id) do update set
  token_status = 'invalid',
  token_status_at = excluded.token_status_at
where s.token_status <> 'revoked' and (
  ${newer("token_status_at")} or (excluded.token_status_at = s.token_status_at and s.token_status <> 'invalid'))`;

type PerSubject = Record<TokenSubjectType, string>;
const perSubject = (text: (table: string) => string): PerSubject => ({
  user: text(SUBJECT_TABLES.user),
  page: text(SUBJECT_TABLES.page),
  instagram_account: text(SUBJECT_TABLES.instagram_account),
});
const REFRESH = perSubject(REFRESH_TOKENS);
const VALIDATE = perSubject(VALIDATE_TOKENS);
const INVALIDATE = perSubject(INVALIDATE_TOKENS);

function run(sql: TransactionSql, text: string, rows: readonly object[]): Statement {
  return sql.unsafe(text, [jsonRows(rows)], { prepare: true });
}

export function upsertUsers(sql: TransactionSql, events: readonly UserConnected[]): Statement[] {
  const rows = events.map((e) => ({
    event_id: e.id,
    id: e.userId,
    name: e.name,
    access_token_enc: e.accessTokenEnc,
    token_expires_at: e.tokenExpiresAt,
    occurred_at: e.occurredAt,
  }));
  return [run(sql, UPSERT_USERS, rows)];
}

export function upsertPages(sql: TransactionSql, events: readonly PageConnected[]): Statement[] {
  const rows = events.map((e) => ({
    event_id: e.id,
    id: e.pageId,
    user_id: e.userId,
    name: e.name,
    access_token_enc: e.accessTokenEnc,
    occurred_at: e.occurredAt,
  }));
  return [run(sql, PLACEHOLDER_USERS, rows), run(sql, UPSERT_PAGES, rows)];
}

export function upsertInstagramAccounts(sql: TransactionSql, events: readonly InstagramAccountLinked[]): Statement[] {
  const rows = events.map((e) => ({
    event_id: e.id,
    id: e.igId,
    username: e.username,
    page_id: e.pageId,
    user_id: e.userId,
    login_type: e.loginType,
    app_scoped_user_id: e.appScopedUserId,
    access_token_enc: e.accessTokenEnc,
    token_expires_at: e.accessTokenEnc ? e.tokenExpiresAt : undefined,
    token_updated_at: e.accessTokenEnc ? e.occurredAt : undefined,
    occurred_at: e.occurredAt,
  }));
  return [
    run(sql, PLACEHOLDER_USERS, rows),
    run(sql, PLACEHOLDER_PAGES, rows),
    run(sql, UPSERT_INSTAGRAM_ACCOUNTS, rows),
  ];
}

export function upsertPageSubscriptions(sql: TransactionSql, events: readonly PageSubscriptionChanged[]): Statement[] {
  const rows = events.map((e) => ({
    event_id: e.id,
    id: e.pageId,
    subscribed: e.subscribed,
    fields: e.fields,
    occurred_at: e.occurredAt,
  }));
  return [run(sql, UPSERT_SUBSCRIPTIONS, rows)];
}

/** One statement per subject table the events name, users first (parents before children). */
function bySubject<E extends { subjectType: TokenSubjectType }>(
  sql: TransactionSql,
  texts: PerSubject,
  events: readonly E[],
  row: (e: E) => object,
): Statement[] {
  return (Object.keys(SUBJECT_TABLES) as TokenSubjectType[]).flatMap((type) => {
    const rows = events.filter((e) => e.subjectType === type).map(row);
    return rows.length ? [run(sql, texts[type], rows)] : [];
  });
}

export function refreshTokens(sql: TransactionSql, events: readonly TokenRefreshed[]): Statement[] {
  return bySubject(sql, REFRESH, events, (e) => ({
    event_id: e.id,
    id: e.subjectId,
    access_token_enc: e.accessTokenEnc,
    token_expires_at: e.tokenExpiresAt,
    occurred_at: e.occurredAt,
  }));
}

export function validateTokens(sql: TransactionSql, events: readonly TokenValidated[]): Statement[] {
  return bySubject(sql, VALIDATE, events, (e) => ({
    event_id: e.id,
    id: e.subjectId,
    token_expires_at: e.tokenExpiresAt,
    occurred_at: e.occurredAt,
  }));
}

export function invalidateTokens(sql: TransactionSql, events: readonly ReauthNeeded[]): Statement[] {
  return bySubject(sql, INVALIDATE, events, (e) => ({ event_id: e.id, id: e.subjectId, occurred_at: e.occurredAt }));
}
