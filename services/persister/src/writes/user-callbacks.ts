import { createHash } from "node:crypto";
import type { AccessRevoked, DataDeletionCallback, DeauthorizeCallback, UserCallback } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import type { TransactionSql } from "postgres";
import { jsonRows, storableJson } from "./json.js";

/*
 * Meta's deauthorize and data-deletion callbacks (verified by ingress). Each is one transaction; the caller publishes
 * the returned AccessRevoked once it committed, so every responder drops what it cached.
 *
 * Whose rows: the user (users.id = userId), the pages they connected (pages.user_id), the Instagram accounts of
 * that user or of those pages, and an Instagram Login account whose id is userId (Instagram's callbacks carry the
 * Instagram user id). The webhook tables have no foreign keys: their rows belong to an account through account_id
 * (the webhook entry id: a page or an Instagram account), messages through ig_id / page_id.
 */

/** The event tables keyed to an account by account_id. */
const ACCOUNT_ID_TABLES = [
  "message_reactions",
  "message_reads",
  "postbacks",
  "referrals",
  "comments",
  "mentions",
  "unrecognised_events",
  "outbound_sends",
  "auto_reply_rules",
] as const;

/** Everything whose rows a data deletion removes, in the order they are deleted (children before parents). */
export const DELETED_TABLES = [
  "messages",
  ...ACCOUNT_ID_TABLES,
  "token_logs",
  "webhook_logs",
  "instagram_accounts",
  "pages",
  "users",
] as const;
export type DeletedTable = (typeof DELETED_TABLES)[number];

/** sha256 hex of the user id: what a deletion request keeps instead of the id. */
export const userHash = (userId: string) => createHash("sha256").update(userId, "utf8").digest("hex");

/** A text[] built from a JSON parameter (postgres.js sends JS arrays as literals that need type lookups). */
const textArray = (tx: TransactionSql, values: readonly string[]) =>
  tx`array(select jsonb_array_elements_text(${storableJson(JSON.stringify(values))}::text::jsonb))`;

interface Owned {
  pageIds: string[];
  igIds: string[];
}

/** The pages and Instagram accounts tied to the person (rows locked until the transaction ends). */
async function ownedAccounts(tx: TransactionSql, userId: string): Promise<Owned> {
  const pages = await tx<{ id: string }[]>`
    select id from pages where user_id = ${userId} order by id for update`;
  const accounts = await tx<{ id: string }[]>`
    select id from instagram_accounts
    where user_id = ${userId}
      or page_id in (select id from pages where user_id = ${userId})
      or ((id = ${userId} or app_scoped_user_id = ${userId}) and login_type = 'instagram')
    order by id
    for update`;
  return { pageIds: pages.map((r) => r.id), igIds: accounts.map((r) => r.id) };
}

function accessRevoked(cb: UserCallback, reason: AccessRevoked["reason"], owned: Owned): AccessRevoked {
  return {
    v: 1,
    id: `access_revoked:${cb.kind}:${cb.id}`,
    occurredAt: cb.issuedAt,
    kind: "access_revoked",
    userId: cb.userId,
    reason,
    pageIds: owned.pageIds,
    igIds: owned.igIds,
  };
}

/**
 * Meta's issued_at has whole seconds: the person removed the app somewhere in that second. The revocation counts
 * from the second's last millisecond, so a connect in the same second is older and revoked too (the safe side;
 * they can connect again), and only a connect after it survives.
 */
export function revocationTime(issuedAt: string): string {
  const ms = Date.parse(issuedAt);
  return new Date(ms - (ms % 1000) + 999).toISOString();
}

/**
 * The person removed the app: every token of theirs is revoked and its ciphertext dropped. A row connected again
 * after Meta issued the callback keeps its new token (the guard on connected_at); anything else is revoked, and
 * only a newer connect makes it valid again (see accounts.ts: refreshes and validations never lift 'revoked').
 * token_status_at and token_updated_at become the callback's time, so a connect newer than it wins and an older one
 * changes nothing. One token_logs row per revoked subject, keyed by the callback and the subject: a redelivery
 * changes nothing and inserts nothing.
 */
export async function deauthorize(sql: Sql, cb: DeauthorizeCallback): Promise<AccessRevoked> {
  const at = revocationTime(cb.issuedAt);
  const revoked = await sql.begin(async (tx) => {
    const users = await tx<{ id: string }[]>`
      update users s set token_status = 'revoked', access_token_enc = null, token_status_at = ${at},
        token_updated_at = ${at}
      where s.id = ${cb.userId} and coalesce(s.connected_at, '-infinity') <= ${at}
      returning s.id`;
    const pages = await tx<{ id: string }[]>`
      update pages s set token_status = 'revoked', access_token_enc = null, token_status_at = ${at},
        token_updated_at = ${at}
      where s.user_id = ${cb.userId} and coalesce(s.connected_at, '-infinity') <= ${at}
      returning s.id`;
    const accounts = await tx<{ id: string }[]>`
      update instagram_accounts s set token_status = 'revoked', access_token_enc = null, token_status_at = ${at},
        token_updated_at = ${at}
      where (
          s.user_id = ${cb.userId}
          or s.page_id in (select id from pages where user_id = ${cb.userId})
          or ((s.id = ${cb.userId} or s.app_scoped_user_id = ${cb.userId}) and s.login_type = 'instagram'))
        and coalesce(s.connected_at, '-infinity') <= ${at}
      returning s.id`;
    const subjects = [
      ...users.map((r) => ({ subject_type: "user", subject_id: r.id })),
      ...pages.map((r) => ({ subject_type: "page", subject_id: r.id })),
      ...accounts.map((r) => ({ subject_type: "instagram_account", subject_id: r.id })),
    ];
    if (subjects.length > 0) {
      const rows = subjects.map((s) => ({
        ...s,
        event_id: `revoked:${cb.id}:${s.subject_type}:${s.subject_id}`,
        occurred_at: at,
      }));
      await tx`
        insert into token_logs (event_id, subject_type, subject_id, event, detail, occurred_at)
        select x.event_id, x.subject_type, x.subject_id, 'revoked', '{"reason": "deauthorized"}'::jsonb, x.occurred_at
        from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
          event_id text, subject_type text, subject_id text, occurred_at timestamptz)
        on conflict (event_id) do nothing`;
    }
    return { pageIds: pages.map((r) => r.id).sort(), igIds: accounts.map((r) => r.id).sort() };
  });
  return accessRevoked(cb, "deauthorized", revoked);
}

export type DeletedCounts = Record<DeletedTable, number>;

/** Deletes the person's rows, child tables first, and counts them per table. */
async function deleteOwned(tx: TransactionSql, userId: string, owned: Owned): Promise<DeletedCounts> {
  const accountIds = [...owned.pageIds, ...owned.igIds];
  const ids = textArray(tx, accountIds);
  const counts: Partial<DeletedCounts> = {};
  const messages = await tx`delete from messages where ig_id = any(${ids}) or page_id = any(${ids})`;
  counts.messages = messages.count;
  for (const table of ACCOUNT_ID_TABLES) {
    const r = await tx`delete from ${tx(table)} where account_id = any(${ids})`;
    counts[table] = r.count;
  }
  const logs = await tx`
    delete from token_logs
    where (subject_type = 'user' and subject_id = ${userId})
      or (subject_type = 'page' and subject_id = any(${textArray(tx, owned.pageIds)}))
      or (subject_type = 'instagram_account' and subject_id = any(${textArray(tx, owned.igIds)}))`;
  counts.token_logs = logs.count;
  // A body with an entry of these accounts goes whole (Meta may batch several accounts' entries in one body).
  const webhooks = await tx`delete from webhook_logs where public.webhook_entry_ids(body) && ${ids}`;
  counts.webhook_logs = webhooks.count;
  const accounts = await tx`delete from instagram_accounts where id = any(${textArray(tx, owned.igIds)})`;
  counts.instagram_accounts = accounts.count;
  const pages = await tx`delete from pages where id = any(${textArray(tx, owned.pageIds)})`;
  counts.pages = pages.count;
  const users = await tx`delete from users where id = ${userId}`;
  counts.users = users.count;
  return counts as DeletedCounts;
}

/**
 * The person asked to be forgotten: every row tied to them is deleted and the request recorded (status completed,
 * rows deleted per table), all in one transaction. A redelivery of the same callback (or another callback with the
 * same confirmation code) changes nothing and keeps the first outcome; a person we hold nothing about still gets a
 * completed request with zero counts. The published event then names no pages or accounts: they are gone.
 */
export async function deleteUserData(sql: Sql, cb: DataDeletionCallback): Promise<AccessRevoked> {
  const owned = await sql.begin(async (tx) => {
    // Two deliveries of one callback (a redelivery racing a slow first attempt) run one after the other.
    await tx`select pg_advisory_xact_lock(hashtextextended(${cb.id}, 0))`;
    const [existing] = await tx<{ callback_id: string; status: "completed" | "failed" }[]>`
      select callback_id, status from deletion_requests
      where callback_id = ${cb.id} or confirmation_code = ${cb.confirmationCode}
      limit 1`;
    if (existing?.status === "completed") return { pageIds: [], igIds: [] };
    const owned = await ownedAccounts(tx, cb.userId);
    const deleted = await deleteOwned(tx, cb.userId, owned);
    if (existing) {
      // A failed attempt was recorded; this one succeeded.
      await tx`
        update deletion_requests set status = 'completed', completed_at = clock_timestamp(),
          deleted = ${JSON.stringify(deleted)}::text::jsonb, error = null
        where callback_id = ${existing.callback_id}`;
    } else {
      await tx`
        insert into deletion_requests (
          confirmation_code, callback_id, user_hash, app, status, requested_at, received_at, completed_at, deleted)
        values (
          ${cb.confirmationCode}, ${cb.id}, ${userHash(cb.userId)}, ${cb.app}, 'completed', ${cb.issuedAt},
          ${cb.receivedAt}, clock_timestamp(), ${JSON.stringify(deleted)}::text::jsonb)
        on conflict do nothing`;
    }
    return owned;
  });
  return accessRevoked(cb, "data_deleted", owned);
}

/**
 * Records that a deletion failed for a reason retrying will not fix (the message is then dead-lettered, and an
 * operator's replay that succeeds turns the request completed). Never replaces a completed one.
 */
export async function recordFailedDeletion(sql: Sql, cb: DataDeletionCallback, error: string): Promise<void> {
  await sql`
    insert into deletion_requests (
      confirmation_code, callback_id, user_hash, app, status, requested_at, received_at, error)
    values (
      ${cb.confirmationCode}, ${cb.id}, ${userHash(cb.userId)}, ${cb.app}, 'failed', ${cb.issuedAt},
      ${cb.receivedAt}, ${error.replaceAll("\u0000", "").slice(0, 1000)})
    on conflict do nothing`;
}

/** Applies a callback in its own transaction and returns the event to publish once it committed. */
export function applyUserCallback(sql: Sql, cb: UserCallback): Promise<AccessRevoked> {
  return cb.kind === "deauthorize" ? deauthorize(sql, cb) : deleteUserData(sql, cb);
}
