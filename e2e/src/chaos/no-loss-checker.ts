import type { MetaSandbox } from "@igdm/meta-sandbox";
import type postgres from "postgres";
import { sha256 } from "../expected-rows.js";
import type { Delivery } from "./webhook-load.js";

export interface NoLossReport {
  sent: number;
  /** Answered 200 at least once: each must have its rows exactly once. */
  acknowledged: number;
  /** Needed more than one attempt before a 200 (Meta's retry). */
  retried: number;
  /** Never answered 200: zero or one row each is allowed. */
  neverAcknowledged: number;
  neverAcknowledgedButStored: number;
  events: { lost: number; duplicated: number; unexpected: number };
  /** Webhooks whose message went to a dead letter instead of a row, as the test expected (poison). */
  deadLettered: number;
  replies?: {
    expected: number;
    atMeta: number;
    lost: number;
    duplicated: number;
    /** Recorded as failed because Meta's answer never came: not retried by design, so never sent twice. */
    outcomeUnknown: number;
    /** Received at Meta although recorded failed: Meta answered too late, or the responder died mid-call. */
    deliveredButRecordedFailed: number;
  };
  /** The first few ids behind any non-zero count, to start debugging from. */
  examples: string[];
}

export interface NoLossCheck {
  sql: postgres.Sql;
  deliveries: Delivery[];
  /** Ids every delivery's mid starts with: rows of other tests or fixtures are not this run's business. */
  midPrefix: string;
  /** Check automatic replies at Meta: every stored inbound message gets one, none gets two. */
  sandbox?: MetaSandbox;
  /** Mids that must end in a dead letter with a reason instead of a row (a poison message). */
  poison?: ReadonlySet<string>;
}

/** The responder's reasons for a send whose outcome it cannot know (send-once.ts). */
const UNKNOWN_OUTCOME = /no answer from Meta|outcome (is )?unknown/i;

const acked = (d: Delivery) => d.statuses.includes(200);

/**
 * After Jepsen's queue checker: every webhook ingress acknowledged (200) is in the database exactly once, nothing is
 * there that was never sent, one that was refused is there at most once, and no person got two automatic replies.
 */
export async function checkNoLoss(check: NoLossCheck): Promise<NoLossReport> {
  const { sql, deliveries, midPrefix } = check;
  const poison = check.poison ?? new Set<string>();
  const examples: string[] = [];
  const note = (what: string, id: string) => examples.length < 10 && examples.push(`${what}: ${id}`);

  const messageRows = await sql<{ id: string; n: number }[]>`
    select message_id as id, count(*)::int as n from messages where starts_with(message_id, ${midPrefix})
    group by message_id`;
  const rows = new Map(messageRows.map((r) => [r.id, r.n]));
  const logged = new Map(
    (await sql<{ id: string; n: number }[]>`select id, count(*)::int as n from webhook_logs group by id`).map((r) => [
      r.id,
      r.n,
    ]),
  );
  // A dead letter's payload is the message as it was consumed: an event naming the mid.
  const deadLettered = (
    await sql<{ body: string }[]>`
      select convert_from(payload, 'UTF8') as body from dead_letters where reason <> ''`
  ).map((r) => r.body);

  const report: NoLossReport = {
    sent: deliveries.length,
    acknowledged: deliveries.filter(acked).length,
    retried: deliveries.filter((d) => acked(d) && d.statuses.length > 1).length,
    neverAcknowledged: deliveries.filter((d) => !acked(d)).length,
    neverAcknowledgedButStored: 0,
    events: { lost: 0, duplicated: 0, unexpected: 0 },
    deadLettered: 0,
    examples,
  };
  const sentMids = new Set(deliveries.map((d) => d.mid));
  for (const d of deliveries) {
    const n = rows.get(d.mid) ?? 0;
    const raw = logged.get(sha256(d.body)) ?? 0;
    if (raw > 1 || n > 1) {
      report.events.duplicated++;
      note("duplicated", d.mid);
    }
    if (poison.has(d.mid)) {
      if (n === 0 && deadLettered.some((b) => b.includes(d.mid))) report.deadLettered++;
      else note("poison not dead-lettered", d.mid);
      continue;
    }
    if (acked(d) && (n === 0 || raw === 0)) {
      report.events.lost++;
      note("lost", d.mid);
    }
    if (!acked(d) && n > 0) report.neverAcknowledgedButStored++;
  }
  for (const id of rows.keys()) {
    if (!sentMids.has(id)) {
      report.events.unexpected++;
      note("never sent", id);
    }
  }
  if (check.sandbox) report.replies = await checkReplies(check, rows, note);
  return report;
}

async function checkReplies(
  { sql, deliveries, sandbox }: NoLossCheck,
  rows: ReadonlyMap<string, number>,
  note: (what: string, id: string) => void,
): Promise<NonNullable<NoLossReport["replies"]>> {
  const atMeta = new Map<string, number>();
  for (const m of sandbox!.state.sentMessages) {
    if (m.accepted) atMeta.set(m.recipient, (atMeta.get(m.recipient) ?? 0) + 1);
  }
  const failures = new Map(
    (
      await sql<{ mid: string; reason: string }[]>`
        select in_reply_to as mid, reason from outbound_sends where status = 'failed' and in_reply_to is not null`
    ).map((r) => [r.mid, r.reason]),
  );
  const replies = { expected: 0, atMeta: 0, lost: 0, duplicated: 0, outcomeUnknown: 0, deliveredButRecordedFailed: 0 };
  for (const d of deliveries) {
    const n = atMeta.get(d.person) ?? 0;
    replies.atMeta += n;
    if (n > 1) {
      replies.duplicated++;
      note("replied twice", d.mid);
    }
    // A message ingress acknowledged, or one that got in anyway, is owed its reply.
    if (!acked(d) && !rows.has(d.mid)) continue;
    replies.expected++;
    const reason = failures.get(d.mid);
    if (n > 0) {
      if (reason) replies.deliveredButRecordedFailed++;
      continue;
    }
    // Meta's answer never came: maybe delivered, maybe not; recorded and deliberately not retried.
    if (reason && UNKNOWN_OUTCOME.test(reason)) replies.outcomeUnknown++;
    else {
      replies.lost++;
      note(reason ? `reply failed (${reason.slice(0, 80)})` : "no reply", d.mid);
    }
  }
  return replies;
}

/** One line per check, printed by every fault test so CI's log shows what was tried and what held. */
export function formatReport(fault: string, r: NoLossReport): string {
  const lines = [
    `no-loss check [${fault}]: ${r.sent} webhooks sent, ${r.acknowledged} answered 200 (${r.retried} after Meta-style retries), ` +
      `${r.neverAcknowledged} never answered 200 (${r.neverAcknowledgedButStored} of them stored anyway)`,
    `  events: ${r.events.lost} lost, ${r.events.duplicated} duplicated, ${r.events.unexpected} never sent but stored` +
      (r.deadLettered ? `; ${r.deadLettered} poison messages dead-lettered with a reason` : ""),
  ];
  if (r.replies) {
    lines.push(
      `  replies: ${r.replies.expected} owed, ${r.replies.atMeta} received at Meta, ${r.replies.lost} lost, ` +
        `${r.replies.duplicated} duplicated, ${r.replies.outcomeUnknown} recorded failed with no answer from Meta ` +
        `(and ${r.replies.deliveredButRecordedFailed} recorded failed that Meta did deliver)`,
    );
  }
  if (r.examples.length) lines.push(`  examples: ${r.examples.join("; ")}`);
  return lines.join("\n");
}
