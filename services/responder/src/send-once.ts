import { createHash } from "node:crypto";
import type { DomainEvent, Topology } from "@igdm/contracts";
import type { TokenCipher } from "@igdm/crypto";
import { GraphApiError, type GraphClient } from "@igdm/meta";
import { errorMessage, type Logger, publishEvents, RpcFailure, retryTransient, TransientError } from "@igdm/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { countFailure, refusalReason, repliesSent, sendMode } from "./metrics.js";
import type { PersisterClient, SenderCredential } from "./persister-client.js";
import type { RateLimiter } from "./rate-limiter.js";
import { type Acceptance, claimSending, compareAndSet, markSent, type SentClaim, takeClaim } from "./reply-claim.js";
import { acceptance, type GraphCodes, reauthNeeded, replyFailed, replySent } from "./send-events.js";
import { OUTCOME_PUBLISH_TIMEOUT_MS } from "./send-lease.js";

export interface SendJob {
  /** `reply:<inbound mid>` or the command id: the claim key, and the id of the sent/failed event. */
  sendId: string;
  accountId: string;
  recipientId: string;
  text: string;
  inReplyTo?: string;
  ruleId?: string;
}

export interface SendDeps {
  js: JetStreamClient;
  topology: Topology;
  graph: GraphClient;
  cipher: TokenCipher;
  persister: PersisterClient;
  limiter: RateLimiter;
  claims: KV;
  /** How long another delivery's `sending` claim is presumed alive (see send-lease.ts). */
  sendLeaseMs: number;
  log: Logger;
}

/** KV keys allow a narrow alphabet; Meta's ids do not promise to stay inside it. */
export const kvKey = (s: string) => createHash("sha256").update(s).digest("hex");

export const UNKNOWN_OUTCOME_REASON =
  "outcome unknown: the responder stopped while calling the Send API; not retried so the person is never messaged twice";

/**
 * Sends one message at most once, with a two-phase claim in KV keyed by the send id (reply-claim.ts):
 * `claimed` before the sender lookup and the rate limiter, `sending` (a compare-and-set from our own revision)
 * just before the Send API call, then `sent` (with Meta's message id) the moment Meta accepts, before `reply_sent`
 * is published, or `done` once a failure is published. A delivery that dies while `claimed` loses nothing: Meta
 * was never called, and the next delivery takes the claim over. One that dies after `sent` loses nothing either:
 * the next delivery publishes the same `reply_sent` again, without calling Meta. One that dies while `sending` may
 * have sent: that send is never retried, and once its lease has passed it is reported failed with an unknown
 * outcome. Only when Meta answered with a retryable error is the claim released and the message retried.
 * When the sender's credential is cached and the limiter has a token, nothing stands between the claim and the
 * call: a fresh claim is then written straight as `sending` (one KV write fewer per send; see sendAtOnce).
 * Resolves true when this delivery published the outcome (or published a `sent` claim's `reply_sent` again),
 * false when another delivery holds or settled the send; throws TransientError to be asked again later.
 */
export async function sendOnce(deps: SendDeps, job: SendJob): Promise<boolean> {
  const key = kvKey(job.sendId);
  const sent = await sendAtOnce(deps, job, key);
  if (sent !== undefined) return sent;
  const claim = await takeClaim(deps.claims, key, job.sendId, deps.sendLeaseMs);
  switch (claim.kind) {
    case "taken":
      return false;
    case "sent":
      return republishSent(deps, job, claim.claim);
    case "in_flight":
      throw new TransientError(`another delivery of ${job.sendId} is calling the Send API since ${claim.since}`);
    case "stale":
      return reportUnknownOutcome(deps, job, key, claim);
    case "ours":
      return sendClaimed(deps, job, key, claim.revision);
  }
}

/**
 * The common case, without waiting between claim and call: everything the call needs is at hand now (the sender's
 * cached credential, its token, a limiter token), so the claim is created as `sending` and Meta called at once. A
 * crash in between leaves what a crash right after the `sending` compare-and-set leaves. Undefined when the send
 * must take the two-phase path: something is not at hand, or the key exists (another delivery claimed it, or it is
 * settled: takeClaim reads it).
 */
async function sendAtOnce(deps: SendDeps, job: SendJob, key: string): Promise<boolean | undefined> {
  const sender = deps.persister.cachedSender(job.accountId);
  if (!sender || sender.tokenStatus === "invalid" || sender.tokenStatus === "revoked") return undefined;
  let token: string;
  try {
    token = deps.cipher.decrypt(sender.accessTokenEnc);
  } catch {
    return undefined;
  }
  if (!deps.limiter.tryTake(job.accountId)) return undefined;
  let sending: number | undefined;
  try {
    sending = await claimSending(deps.claims, key, job.sendId);
  } finally {
    if (sending === undefined) deps.limiter.refund(job.accountId);
  }
  if (sending === undefined) return undefined;
  return callSendApi(deps, job, key, sending, sender, token);
}

async function sendClaimed(deps: SendDeps, job: SendJob, key: string, claimed: number): Promise<boolean> {
  let sender: SenderCredential;
  try {
    sender = await deps.persister.sender(job.accountId);
  } catch (err) {
    if (err instanceof RpcFailure) {
      countFailure("no_sender");
      return settle(deps, job, key, claimed, [
        replyFailed(job, `no way to send from account ${job.accountId}: ${err.message}`),
      ]);
    }
    await release(deps, job, key, claimed);
    throw err;
  }
  if (sender.tokenStatus === "invalid" || sender.tokenStatus === "revoked") {
    countFailure("token_invalid");
    return settle(deps, job, key, claimed, [
      replyFailed(job, `the account's token is ${sender.tokenStatus}: its owner must connect again`),
    ]);
  }
  let token: string;
  try {
    token = deps.cipher.decrypt(sender.accessTokenEnc);
  } catch (err) {
    countFailure("internal");
    return settle(deps, job, key, claimed, [replyFailed(job, errorMessage(err))]);
  }
  await deps.limiter.take(job.accountId);
  // Phase 2. Past this write Meta may get the message, so no delivery may ever send it again. It fails when a
  // later delivery took the claim over while we waited: that one sends, we must not.
  const sending = await compareAndSet(deps.claims, key, job.sendId, "sending", claimed);
  if (sending === undefined) {
    deps.log.debug({ sendId: job.sendId }, "claim taken over while waiting: another delivery sends");
    return false;
  }
  return callSendApi(deps, job, key, sending, sender, token);
}

/** Calls the Send API under our `sending` claim, then records what Meta answered. */
async function callSendApi(
  deps: SendDeps,
  job: SendJob,
  key: string,
  sending: number,
  sender: SenderCredential,
  token: string,
): Promise<boolean> {
  let messageId: string;
  try {
    ({ messageId } = await deps.graph.sendText({
      pageId: sender.senderId,
      token,
      recipientId: job.recipientId,
      text: job.text,
      loginType: sender.loginType,
    }));
  } catch (err) {
    return settleSendFailure(deps, job, sender, key, sending, err);
  }
  repliesSent.inc({ mode: sendMode(job) });
  return recordSent(deps, job, key, sending, acceptance(sender, messageId));
}

/** Retries of the writes after Meta accepted: well inside the lease's margin (send-lease.ts). */
const RECORD_RETRY = { budgetMs: 10_000, baseMs: 100, maxMs: 2000 };

/**
 * Meta accepted: the claim becomes `sent` first, so a delivery after a crash from here on publishes `reply_sent`
 * again instead of reporting an unknown outcome; then `reply_sent` is published. `sent` is final (no `done`).
 */
async function recordSent(
  deps: SendDeps,
  job: SendJob,
  key: string,
  sending: number,
  accepted: Acceptance,
): Promise<true> {
  const event = replySent(job, accepted);
  const claim: SentClaim = {
    sendId: job.sendId,
    state: "sent",
    at: event.occurredAt,
    ...accepted,
    text: job.text,
    ...(job.ruleId ? { ruleId: job.ruleId } : {}),
  };
  // Both writes are retried here, inside the lease, not left to a redelivery: a redelivery would find `sending`
  // and, past the lease, report a reply the person received as failed (seen when a cluster's leader died).
  try {
    const sent = await retryTransient(() => markSent(deps.claims, key, claim, sending), RECORD_RETRY);
    // A delivery that found our `sending` past its lease wrote over it (it reported the outcome unknown; the
    // persister keeps a later reply_sent over that failure), or a timed-out attempt of ours had landed after all.
    if (sent === undefined) deps.log.warn({ sendId: job.sendId }, "the reply claim changed during the Send API call");
  } catch (err) {
    // The acceptance is still published below; only a crash before that would leave the claim `sending`.
    deps.log.warn({ sendId: job.sendId, err: errorMessage(err) }, "could not mark the reply claim sent");
  }
  await retryTransient(() => publish(deps, [event]), RECORD_RETRY);
  return true;
}

/**
 * A send Meta accepted, found by a later delivery (its holder may have stopped before publishing): the same
 * `reply_sent` (same id, time, text and rule, from the claim) is published again, which JetStream's
 * de-duplication and the persister's upsert absorb when the holder did publish it. Meta is never called.
 */
async function republishSent(deps: SendDeps, job: SendJob, claim: SentClaim): Promise<true> {
  deps.log.debug({ sendId: job.sendId }, "send already accepted by Meta: publishing its reply_sent again");
  const { ruleId: _decidedNow, ...rest } = job;
  const sent: SendJob = { ...rest, text: claim.text, ...(claim.ruleId ? { ruleId: claim.ruleId } : {}) };
  await publish(deps, [replySent(sent, claim, claim.at)]);
  return true;
}

async function settleSendFailure(
  deps: SendDeps,
  job: SendJob,
  sender: SenderCredential,
  key: string,
  sending: number,
  err: unknown,
): Promise<boolean> {
  if (!(err instanceof GraphApiError)) {
    countFailure("internal");
    return settle(deps, job, key, sending, [replyFailed(job, errorMessage(err))]);
  }
  const codes: GraphCodes = {
    ...(err.graphCode !== undefined ? { errorCode: err.graphCode } : {}),
    ...(err.subcode !== undefined ? { errorSubcode: err.subcode } : {}),
  };
  if (err.action === "retry" && err.status !== undefined) {
    // Meta answered "not now": nothing was sent, so the claim goes and a retry may claim it again.
    countFailure("rate_limited");
    await release(deps, job, key, sending);
    throw new TransientError(`Send API asked to retry: ${err.message}`, { cause: err });
  }
  if (err.action === "retry") {
    countFailure("no_answer");
    return settle(deps, job, key, sending, [
      replyFailed(job, `no answer from Meta; not retried so the person is never messaged twice: ${err.message}`, codes),
    ]);
  }
  if (err.action === "reauth") {
    countFailure("token_rejected");
    deps.persister.forgetSender(job.accountId);
    return settle(deps, job, key, sending, [
      reauthNeeded(job, sender, `the Send API rejected the token: ${err.message}`, codes),
      replyFailed(job, `the account's token was rejected: ${err.message}`, codes),
    ]);
  }
  deps.log.warn({ sendId: job.sendId, code: err.graphCode, subcode: err.subcode }, "send refused by Meta");
  countFailure(refusalReason(err));
  return settle(deps, job, key, sending, [replyFailed(job, err.message, codes)]);
}

/**
 * A `sending` claim past its lease: its holder stopped mid-call, so the send may or may not have landed. Never
 * sent again; reported failed once, by the delivery whose compare-and-set to `done` wins.
 */
async function reportUnknownOutcome(
  deps: SendDeps,
  job: SendJob,
  key: string,
  claim: { revision: number; since: string },
): Promise<boolean> {
  if ((await compareAndSet(deps.claims, key, job.sendId, "done", claim.revision)) === undefined) return false;
  countFailure("outcome_unknown");
  deps.log.warn(
    { sendId: job.sendId, sendingSince: claim.since },
    "a send was interrupted during the Send API call: reported with an unknown outcome",
  );
  await publish(deps, [replyFailed(job, UNKNOWN_OUTCOME_REASON)]);
  return true;
}

const publish = (deps: SendDeps, events: DomainEvent[]) =>
  publishEvents(deps.js, deps.topology, events, { timeoutMs: OUTCOME_PUBLISH_TIMEOUT_MS });

/**
 * A failure: published first, then the claim marked `done`. Should the publish fail, the claim keeps its state
 * and the retry settles it (`claimed`: taken over; `sending`: reported unknown after the lease).
 */
async function settle(
  deps: SendDeps,
  job: SendJob,
  key: string,
  revision: number,
  events: DomainEvent[],
): Promise<true> {
  await publish(deps, events);
  try {
    const done = await compareAndSet(deps.claims, key, job.sendId, "done", revision);
    if (done === undefined) deps.log.warn({ sendId: job.sendId }, "the reply claim changed before it was marked done");
  } catch (err) {
    // Best effort: the outcome is published and the message acked; only a replay could find the claim unsettled.
    deps.log.warn({ sendId: job.sendId, err: errorMessage(err) }, "could not mark the reply claim done");
  }
  return true;
}

/** Lets a retry claim the send again (from our revision only: a claim someone else took stays theirs). */
async function release(deps: SendDeps, job: SendJob, key: string, revision: number): Promise<void> {
  try {
    await deps.claims.delete(key, { previousSeq: revision });
  } catch (err) {
    deps.log.warn({ sendId: job.sendId, err: errorMessage(err) }, "could not release the reply claim");
  }
}
