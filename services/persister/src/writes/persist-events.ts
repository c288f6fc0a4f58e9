import { ACCOUNT_EVENT_KINDS, type AccountEvent, type DomainEvent, type DomainEventKind } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import type { TransactionSql } from "postgres";
import { countRows, eventsPersisted } from "../metrics.js";
import {
  invalidateTokens,
  refreshTokens,
  type Statement,
  upsertInstagramAccounts,
  upsertPageSubscriptions,
  upsertPages,
  upsertUsers,
  validateTokens,
} from "./accounts.js";
import { insertMentions, upsertComments } from "./comments.js";
import { insertPostbacks, insertReads, insertReferrals } from "./interactions.js";
import { applyMessageEdits, markMessagesDeleted, upsertMessages } from "./messages.js";
import { upsertReactions } from "./reactions.js";
import { insertSendRequests, markSendsFailed, markSendsSent, upsertSentMessages } from "./replies.js";
import { insertTokenLogs } from "./token-logs.js";
import { insertUnrecognised } from "./unrecognised.js";

type Of<K extends DomainEventKind> = Extract<DomainEvent, { kind: K }>;

/** The events of a batch by kind. */
type Groups = { [K in DomainEventKind]?: Of<K>[] };

/**
 * The statements that write the events of one kind. Mapped over every kind of the contract: a kind added to
 * `DomainEvent` without a writer here is a compile error, never a crash or a silent drop at run time.
 */
type Writers = { readonly [K in DomainEventKind]: (tx: TransactionSql, events: Of<K>[]) => Statement[] };

/**
 * In statement order: parents before children (users, pages, Instagram accounts, then what refers to them), so a
 * batch holding a page and its user never needs a placeholder. The webhook tables have no foreign keys.
 */
const WRITERS: Writers = {
  user_connected: (tx, e) => upsertUsers(tx, e),
  page_connected: (tx, e) => upsertPages(tx, e),
  instagram_account_linked: (tx, e) => upsertInstagramAccounts(tx, e),
  page_subscription: (tx, e) => upsertPageSubscriptions(tx, e),
  token_refreshed: (tx, e) => refreshTokens(tx, e),
  token_validated: (tx, e) => validateTokens(tx, e),
  reauth_needed: (tx, e) => invalidateTokens(tx, e),
  // A failure that may pass changes no state; it is only logged (token_logs), and tried again next run.
  token_refresh_failed: () => [],
  message: (tx, e) => [upsertMessages(tx, e)],
  message_edited: (tx, e) => [applyMessageEdits(tx, e)],
  message_deleted: (tx, e) => [markMessagesDeleted(tx, e)],
  reaction: (tx, e) => [upsertReactions(tx, e)],
  read: (tx, e) => [insertReads(tx, e)],
  postback: (tx, e) => [insertPostbacks(tx, e)],
  referral: (tx, e) => [insertReferrals(tx, e)],
  comment: (tx, e) => [upsertComments(tx, e)],
  mention: (tx, e) => [insertMentions(tx, e)],
  unrecognised: (tx, e) => [insertUnrecognised(tx, e)],
  send_requested: (tx, e) => [insertSendRequests(tx, e)],
  reply_sent: (tx, e) => [markSendsSent(tx, e), upsertSentMessages(tx, e)],
  reply_failed: (tx, e) => [markSendsFailed(tx, e)],
  // Published by the persister itself after the revocation or deletion committed: nothing left to write.
  access_revoked: () => [],
};

const WRITE_ORDER = Object.keys(WRITERS) as DomainEventKind[];
const ACCOUNT_KINDS: ReadonlySet<DomainEventKind> = new Set(ACCOUNT_EVENT_KINDS);

function groupByKind(events: readonly DomainEvent[]): Groups {
  const groups: { [K in DomainEventKind]?: DomainEvent[] } = {};
  for (const e of events) {
    const group = groups[e.kind];
    if (group) group.push(e);
    else groups[e.kind] = [e];
  }
  // Sound: every event sits in the array of its own kind.
  return groups as Groups;
}

function write<K extends DomainEventKind>(tx: TransactionSql, kind: K, groups: Groups): Statement[] {
  const events = groups[kind];
  return events?.length ? WRITERS[kind](tx, events) : [];
}

function isAccountEvent(e: DomainEvent): e is AccountEvent {
  return ACCOUNT_KINDS.has(e.kind);
}

/**
 * Writes a batch in one transaction: a few set-based statements per kind present, all pipelined, plus one
 * token_logs row per account event. Every statement is idempotent and order-independent, so a redelivered or
 * reordered batch leaves the same rows; within a statement, duplicates of one key are reduced to the right winner
 * (see each statement).
 */
export async function persistEvents(sql: Sql, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const groups = groupByKind(events);
  const accountEvents = events.filter(isAccountEvent);
  let statements: Statement[] = [];
  const results = await sql.begin((tx) => {
    statements = WRITE_ORDER.flatMap((kind) => write(tx, kind, groups));
    if (accountEvents.length) statements.push(insertTokenLogs(tx, accountEvents));
    return statements;
  });
  countRows(statements, results);
  for (const [kind, group] of Object.entries(groups)) eventsPersisted.inc({ kind }, group.length);
}
