import { allStreams, DomainEvent, topology } from "@igdm/contracts";
import {
  type MetaSandbox,
  metaErrors,
  SANDBOX_SHOP_IG_ID,
  SANDBOX_SHOP_PAGE_ID,
  startMetaSandbox,
} from "@igdm/meta-sandbox";
import { createLogger, ensureStream, TransientError } from "@igdm/runtime";
import {
  connectTestNats,
  deleteNamespaceStreams,
  readStream,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponderEnv } from "./env.js";
import { repliesFailed } from "./metrics.js";
import { PersisterClient } from "./persister-client.js";
import { RateLimiter } from "./rate-limiter.js";
import { type ClaimValue, openReplyClaims, readClaim } from "./reply-claim.js";
import { sendApiClient } from "./send-api-client.js";
import { kvKey, type SendDeps, type SendJob, sendOnce, UNKNOWN_OUTCOME_REASON } from "./send-once.js";
import { shopCredential, standInSenderCredential, TEST_TOKEN_KEYS, testCipher } from "./testing/stand-in-persister.js";

/*
 * sendOnce against the real NATS (its claims in the real KV bucket, its events in the real stream) and the fake
 * Meta, with a stand-in persister answering sender-credential. "Dead holders" are claims written straight into KV.
 */

const namespace = uniqueNamespace("sendonce");
const t = topology(namespace);
const log = createLogger({ service: "send-once-test", level: "silent" });
/** Long enough that "now" is always inside it, short enough that an hour ago is always past it. */
const LEASE_MS = 10 * 60_000;
/** Far shorter than the sandbox's held answers below: a held answer is "Meta did not answer". */
const GRAPH_TIMEOUT_MS = 1000;

let sandbox: MetaSandbox;
let nc: NatsConnection;
let claims: KV;
let persister: PersisterClient;
let standIn: Subscription;

beforeAll(async () => {
  sandbox = await startMetaSandbox();
  nc = await connectTestNats();
  const jsm = await jetstreamManager(nc);
  for (const def of allStreams(t)) await ensureStream(jsm, def, log);
  claims = await openReplyClaims(new Kvm(jetstream(nc)), t, 1);
  const credential = shopCredential(sandbox);
  standIn = (await standInSenderCredential(nc, t, () => credential)).subscription;
  persister = new PersisterClient(nc, t, { rulesMs: 60_000, credentialsMs: 60_000 });
});

afterAll(async () => {
  standIn?.unsubscribe();
  await deleteNamespaceStreams(nc, namespace).catch(() => {});
  await nc?.drain();
  await sandbox?.close();
});

function deps(limiter = new RateLimiter(100)): SendDeps {
  const env = ResponderEnv.parse({
    ...sandbox.env,
    NATS_URL: testNatsUrl(),
    TOKEN_ENCRYPTION_KEYS: TEST_TOKEN_KEYS,
    GRAPH_TIMEOUT_MS: String(GRAPH_TIMEOUT_MS),
  });
  return {
    js: jetstream(nc),
    topology: t,
    graph: sendApiClient(env, log),
    cipher: testCipher(),
    persister,
    limiter,
    claims,
    sendLeaseMs: LEASE_MS,
    log,
  };
}

let seq = 0;
/** A manual send to a recipient of its own, so each test counts only its own messages at Meta. */
function newJob(): SendJob {
  seq++;
  return {
    sendId: `cmd-${namespace}-${seq}`,
    accountId: SANDBOX_SHOP_IG_ID,
    recipientId: `92000000000${String(seq).padStart(5, "0")}`,
    text: `message ${seq}`,
  };
}

const sentTo = (job: SendJob) => sandbox.state.sentMessages.filter((m) => m.recipient === job.recipientId);

/** The reply_sent and reply_failed events published for the job. */
async function outcomes(job: SendJob): Promise<DomainEvent[]> {
  const all = (await readStream(nc, t.streams.events)).map((m) => DomainEvent.parse(m.json()));
  return all.filter((e) => (e.kind === "reply_sent" || e.kind === "reply_failed") && e.sendId === job.sendId);
}

/** A claim as a holder left it, written straight into the bucket. */
async function leaveClaim(job: SendJob, value: ClaimValue | string): Promise<number> {
  return claims.put(kvKey(job.sendId), typeof value === "string" ? value : JSON.stringify(value));
}

async function claimOf(job: SendJob) {
  const entry = await claims.get(kvKey(job.sendId));
  return entry?.operation === "PUT" ? { ...readClaim(entry), revision: entry.revision } : entry?.operation;
}

async function failuresCounted(reason: string): Promise<number> {
  const metric = await repliesFailed.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** Holds every `take` until the test opens it: deliveries pile up holding claims, as a loaded limiter makes them. */
class GatedLimiter extends RateLimiter {
  entered = 0;
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  open(): void {
    this.#open();
  }

  override async take(key: string): Promise<void> {
    this.entered++;
    await this.#gate;
    return super.take(key);
  }

  /** A loaded limiter has no token at hand. */
  override tryTake(): boolean {
    return false;
  }
}

/** Every state the job's claim takes while `work` runs, from a watch on its key. */
async function claimStatesDuring(job: SendJob, work: () => Promise<unknown>): Promise<string[]> {
  const states: string[] = [];
  const watch = await claims.watch({ key: kvKey(job.sendId) });
  const reading = (async () => {
    for await (const e of watch) {
      states.push(e.operation === "PUT" ? readClaim(e).state : e.operation);
      if (states.at(-1) === "sent" || states.at(-1) === "done") break;
    }
  })();
  await work();
  await reading;
  watch.stop();
  return states;
}

describe("sendOnce", () => {
  it("sends once and settles the claim as `sent` with Meta's message id; a redelivery only publishes it again", async () => {
    const job = newJob();
    expect(await sendOnce(deps(), job)).toBe(true);
    const [sent] = await outcomes(job);
    expect(sent).toMatchObject({ kind: "reply_sent", id: `reply_sent:${job.sendId}`, pageId: SANDBOX_SHOP_PAGE_ID });
    const messageId = sent?.kind === "reply_sent" ? sent.messageId : undefined;
    expect(messageId).toBe(sentTo(job)[0]?.message_id);
    expect(await claimOf(job)).toMatchObject({
      sendId: job.sendId,
      state: "sent",
      messageId,
      pageId: SANDBOX_SHOP_PAGE_ID,
      at: sent?.occurredAt,
      text: job.text,
    });
    // The redelivery publishes the same event again: same id, so JetStream keeps one.
    expect(await sendOnce(deps(), job)).toBe(true);
    expect(sentTo(job)).toHaveLength(1);
    expect(await outcomes(job)).toEqual([sent]);
  });

  it("publishes the reply_sent of a `sent` claim whose holder died before publishing it, once, never calling Meta", async () => {
    const job = newJob();
    const unknownBefore = await failuresCounted("outcome_unknown");
    // The holder wrote `sent` (Meta had accepted) and was killed before its publish: nothing is in the stream.
    const at = new Date(Date.now() - 60 * 60_000).toISOString();
    const messageId = `mid.accepted.${job.sendId}`;
    await leaveClaim(job, {
      sendId: job.sendId,
      state: "sent",
      at,
      messageId,
      pageId: SANDBOX_SHOP_PAGE_ID,
      text: job.text,
    });
    expect(await outcomes(job)).toEqual([]);
    const redeliveries = await Promise.all([sendOnce(deps(), job), sendOnce(deps(), job)]);
    expect(redeliveries).toEqual([true, true]);
    expect(await sendOnce(deps(), job)).toBe(true);
    expect(await outcomes(job)).toEqual([
      {
        v: 1,
        id: `reply_sent:${job.sendId}`,
        occurredAt: at,
        kind: "reply_sent",
        sendId: job.sendId,
        accountId: job.accountId,
        pageId: SANDBOX_SHOP_PAGE_ID,
        recipientId: job.recipientId,
        text: job.text,
        messageId,
      },
    ]);
    expect(sentTo(job)).toHaveLength(0);
    expect(await failuresCounted("outcome_unknown")).toBe(unknownBefore);
    expect(await claimOf(job)).toMatchObject({ state: "sent", messageId });
  });

  it("publishes the text and rule that were sent (from the `sent` claim), not what a redelivery decides now", async () => {
    // An automatic reply: its text and rule are decided again on each delivery, and a rule may have changed.
    const job: SendJob = { ...newJob(), inReplyTo: "mid.inbound.1", ruleId: "rule-now", text: "the text of now" };
    const claim = { sendId: job.sendId, state: "sent" as const, at: new Date().toISOString(), messageId: "mid.out.1" };
    await leaveClaim(job, { ...claim, text: "the text that was sent", ruleId: "rule-then" });
    expect(await sendOnce(deps(), job)).toBe(true);
    expect(await outcomes(job)).toEqual([
      expect.objectContaining({ text: "the text that was sent", ruleId: "rule-then", inReplyTo: "mid.inbound.1" }),
    ]);
    // A manual send or a default reply has no rule: none is published, whatever the job says now.
    const manual: SendJob = { ...newJob(), ruleId: "rule-now" };
    await leaveClaim(manual, { ...claim, sendId: manual.sendId, text: manual.text });
    expect(await sendOnce(deps(), manual)).toBe(true);
    const [published] = await outcomes(manual);
    expect(published).toMatchObject({ kind: "reply_sent", text: manual.text });
    expect(published).not.toHaveProperty("ruleId");
    expect(sentTo(job)).toHaveLength(0);
    expect(sentTo(manual)).toHaveLength(0);
  });

  it("takes over a claim a dead holder left in `claimed` and sends the reply exactly once", async () => {
    const job = newJob();
    const at = new Date(Date.now() - 60_000).toISOString();
    await leaveClaim(job, { sendId: job.sendId, state: "claimed", at });
    expect(await sendOnce(deps(), job)).toBe(true);
    expect(sentTo(job)).toHaveLength(1);
    expect(await outcomes(job)).toEqual([expect.objectContaining({ kind: "reply_sent", sendId: job.sendId })]);
    expect(await claimOf(job)).toMatchObject({ state: "sent" });
    expect(await sendOnce(deps(), job)).toBe(true);
    expect(sentTo(job)).toHaveLength(1);
    expect(await outcomes(job)).toHaveLength(1);
  });

  it("leaves a send another holder is making (`sending` within the lease) to be asked again: not sent, not failed", async () => {
    const job = newJob();
    const revision = await leaveClaim(job, { sendId: job.sendId, state: "sending", at: new Date().toISOString() });
    await expect(sendOnce(deps(), job)).rejects.toBeInstanceOf(TransientError);
    expect(sentTo(job)).toHaveLength(0);
    expect(await outcomes(job)).toEqual([]);
    expect(await claimOf(job)).toMatchObject({ state: "sending", revision });
  });

  it("reports a `sending` claim past its lease once, as an unknown outcome, and never sends it", async () => {
    const job = newJob();
    const before = await failuresCounted("outcome_unknown");
    const at = new Date(Date.now() - 60 * 60_000).toISOString();
    await leaveClaim(job, { sendId: job.sendId, state: "sending", at });
    // Two deliveries find it at once: the compare-and-set to done picks the one that reports it.
    const results = await Promise.all([sendOnce(deps(), job), sendOnce(deps(), job)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await outcomes(job)).toEqual([
      expect.objectContaining({ kind: "reply_failed", sendId: job.sendId, reason: UNKNOWN_OUTCOME_REASON }),
    ]);
    expect(await failuresCounted("outcome_unknown")).toBe(before + 1);
    expect(await claimOf(job)).toMatchObject({ state: "done" });
    expect(await sendOnce(deps(), job)).toBe(false);
    expect(sentTo(job)).toHaveLength(0);
    expect(await outcomes(job)).toHaveLength(1);
  });

  it("claims straight as `sending` when the credential is cached and the limiter has a token, else `claimed` first", async () => {
    // A persister client of its own: its cache is cold until the first send fetched the credential.
    const cold = { ...deps(), persister: new PersisterClient(nc, t, { rulesMs: 60_000, credentialsMs: 60_000 }) };
    const first = newJob();
    const second = newJob();
    expect(await claimStatesDuring(first, () => sendOnce(cold, first))).toEqual(["claimed", "sending", "sent"]);
    expect(await claimStatesDuring(second, () => sendOnce(cold, second))).toEqual(["sending", "sent"]);
    // No token at hand: the claim waits in the limiter as `claimed`, so a crash there loses nothing.
    const gated = new GatedLimiter(100);
    gated.open();
    const third = newJob();
    expect(await claimStatesDuring(third, () => sendOnce({ ...cold, limiter: gated }, third))).toEqual([
      "claimed",
      "sending",
      "sent",
    ]);
    for (const job of [first, second, third]) {
      expect(sentTo(job)).toHaveLength(1);
      expect(await outcomes(job)).toEqual([expect.objectContaining({ kind: "reply_sent", sendId: job.sendId })]);
    }
    // A redelivery of a send made at once publishes its reply_sent again, never sending twice.
    expect(await sendOnce(cold, second)).toBe(true);
    expect(sentTo(second)).toHaveLength(1);
  });

  it("lets exactly one of concurrent deliveries send while they wait in the limiter holding claims", async () => {
    const job = newJob();
    const limiter = new GatedLimiter(100);
    let settled = 0;
    const deliveries = Array.from({ length: 4 }, () =>
      sendOnce(deps(limiter), job).finally(() => {
        settled++;
      }),
    );
    // Every delivery either waits in the limiter with a claim or already lost it to a later one.
    await waitFor(async () => limiter.entered + settled === deliveries.length, { what: "deliveries at the limiter" });
    expect(limiter.entered).toBeGreaterThanOrEqual(2);
    limiter.open();
    const results = await Promise.all(deliveries);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(sentTo(job)).toHaveLength(1);
    expect(await outcomes(job)).toEqual([expect.objectContaining({ kind: "reply_sent" })]);
    expect(await claimOf(job)).toMatchObject({ state: "sent" });
  });

  it("does nothing for a claim that is done, or that it cannot read (a legacy claim without a state)", async () => {
    const done = newJob();
    await leaveClaim(done, { sendId: done.sendId, state: "done", at: new Date().toISOString() });
    const legacy = newJob();
    await leaveClaim(legacy, JSON.stringify({ sendId: legacy.sendId, at: new Date().toISOString() }));
    const garbage = newJob();
    await leaveClaim(garbage, "not json");
    // `sent` without the message id its reply_sent needs: unreadable, so settled.
    const sentWithoutId = newJob();
    await leaveClaim(
      sentWithoutId,
      JSON.stringify({ sendId: sentWithoutId.sendId, state: "sent", at: new Date().toISOString() }),
    );
    for (const job of [done, legacy, garbage, sentWithoutId]) {
      expect(await sendOnce(deps(), job)).toBe(false);
      expect(sentTo(job)).toHaveLength(0);
      expect(await outcomes(job)).toEqual([]);
    }
  });

  it("releases the claim when Meta asks to retry, and the retry claims it again (create after delete)", async () => {
    const job = newJob();
    sandbox.state.failNext({ method: "POST", path: /\/messages$/ }, metaErrors.sendRateLimit);
    await expect(sendOnce(deps(), job)).rejects.toBeInstanceOf(TransientError);
    expect(await claimOf(job)).toBe("DEL");
    expect(await sendOnce(deps(), job)).toBe(true);
    expect(sentTo(job)).toEqual([expect.objectContaining({ accepted: true })]);
    expect(await claimOf(job)).toMatchObject({ state: "sent" });
  });

  it("settles a send Meta did not answer as done: reported failed, never sent again", async () => {
    const job = newJob();
    // Meta acts but its answer comes after our timeout: the message reached the person.
    sandbox.state.delayNext({ method: "POST", path: /\/messages$/ }, { ms: 30_000, deliver: true });
    expect(await sendOnce(deps(), job)).toBe(true);
    expect(await outcomes(job)).toEqual([
      expect.objectContaining({ kind: "reply_failed", reason: expect.stringMatching(/^no answer from Meta/) }),
    ]);
    expect(await claimOf(job)).toMatchObject({ state: "done" });
    expect(await sendOnce(deps(), job)).toBe(false);
    expect(sentTo(job)).toHaveLength(1);
  });
});
