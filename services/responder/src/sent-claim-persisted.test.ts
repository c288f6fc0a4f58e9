import { DomainEvent, topology } from "@igdm/contracts";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, SANDBOX_SHOP_PAGE_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import { createLogger } from "@igdm/runtime";
import {
  connectTestNats,
  createMigratedTestDatabase,
  deleteNamespaceStreams,
  freePort,
  readStream,
  type ServiceProcess,
  spawnService,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponderEnv } from "./env.js";
import { PersisterClient } from "./persister-client.js";
import { RateLimiter } from "./rate-limiter.js";
import { type ClaimValue, openReplyClaims, readClaim } from "./reply-claim.js";
import { sendApiClient } from "./send-api-client.js";
import { kvKey, type SendDeps, type SendJob, sendOnce, UNKNOWN_OUTCOME_REASON } from "./send-once.js";
import { shopCredential, standInSenderCredential, TEST_TOKEN_KEYS, testCipher } from "./testing/stand-in-persister.js";

/*
 * What the database ends with when Meta accepted a send but its reply_sent came late: sendOnce against the real
 * NATS and the fake Meta, with the real persister (its own process, on a fresh database) writing the outcomes.
 * The sender credential comes from a stand-in on a namespace of its own, so it never races the real persister's
 * answer (the persister knows no account here).
 */

const namespace = uniqueNamespace("respsent");
const t = topology(namespace);
const credentialTopology = topology(uniqueNamespace("respsentcred"));
const log = createLogger({ service: "sent-claim-test", level: "silent" });
/** Far longer than the held answer below: the holder waits for Meta's acceptance. */
const GRAPH_TIMEOUT_MS = 30_000;
/** How long Meta holds its acceptance back: the time another delivery has to find the call past its lease. */
const HELD_ANSWER_MS = 5000;

let sandbox: MetaSandbox;
let nc: NatsConnection;
let db: TestDatabase;
let persisterProcess: ServiceProcess;
let claims: KV;
let standIn: Subscription;
let persister: PersisterClient;

beforeAll(async () => {
  sandbox = await startMetaSandbox();
  nc = await connectTestNats();
  db = await createMigratedTestDatabase("igdm_responder_sent");
  persisterProcess = spawnService("persister", {
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: db.url,
    OPS_HOST: "127.0.0.1",
    OPS_PORT: String(await freePort()),
  });
  // Consuming: its streams exist, and it writes whatever reaches EVENTS from here on.
  await persisterProcess.waitForLog("consuming");
  claims = await openReplyClaims(new Kvm(jetstream(nc)), t, 1);
  const credential = shopCredential(sandbox);
  standIn = (await standInSenderCredential(nc, credentialTopology, () => credential)).subscription;
  persister = new PersisterClient(nc, credentialTopology, { rulesMs: 60_000, credentialsMs: 60_000 });
});

afterAll(async () => {
  await persisterProcess?.stop();
  standIn?.unsubscribe();
  await deleteNamespaceStreams(nc, namespace).catch(() => {});
  await nc?.drain();
  await db?.drop();
  await sandbox?.close();
});

function deps(sendLeaseMs: number): SendDeps {
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
    limiter: new RateLimiter(100),
    claims,
    sendLeaseMs,
    log,
  };
}

/** A live holder's lease: never past while the test runs. */
const LEASE_MS = 10 * 60_000;

let seq = 0;
function newJob(): SendJob {
  seq++;
  return {
    sendId: `cmd-${namespace}-${seq}`,
    accountId: SANDBOX_SHOP_IG_ID,
    recipientId: `94000000000${String(seq).padStart(5, "0")}`,
    text: `message ${seq}`,
  };
}

const sentTo = (job: SendJob) => sandbox.state.sentMessages.filter((m) => m.recipient === job.recipientId);

async function outcomes(job: SendJob): Promise<DomainEvent[]> {
  const all = (await readStream(nc, t.streams.events)).map((m) => DomainEvent.parse(m.json()));
  return all.filter((e) => (e.kind === "reply_sent" || e.kind === "reply_failed") && e.sendId === job.sendId);
}

interface SendRow {
  status: string;
  message_id: string | null;
  reason: string | null;
}

async function sendRow(job: SendJob): Promise<SendRow | undefined> {
  const [row] = await db.sql<SendRow[]>`select status, message_id, reason from outbound_sends where id = ${job.sendId}`;
  return row;
}

/** Waits until the persister wrote the send's row with `status`, and returns it. */
async function rowWhen(job: SendJob, status: string): Promise<SendRow> {
  await waitFor(async () => (await sendRow(job))?.status === status, { what: `outbound_sends ${status}` });
  return (await sendRow(job))!;
}

describe("a send Meta accepted, in the database", () => {
  it("ends 'sent' with Meta's message id when a redelivery finds the claim `sent` and publishes it", async () => {
    const job = newJob();
    const messageId = `mid.accepted.${job.sendId}`;
    const claim: ClaimValue = {
      sendId: job.sendId,
      state: "sent",
      at: new Date().toISOString(),
      messageId,
      pageId: SANDBOX_SHOP_PAGE_ID,
      text: job.text,
    };
    await claims.put(kvKey(job.sendId), JSON.stringify(claim));
    expect(await sendOnce(deps(LEASE_MS), job)).toBe(true);
    expect(await rowWhen(job, "sent")).toEqual({ status: "sent", message_id: messageId, reason: null });
    expect(await outcomes(job)).toEqual([
      expect.objectContaining({ kind: "reply_sent", id: `reply_sent:${job.sendId}`, messageId }),
    ]);
    expect(sentTo(job)).toHaveLength(0);
  });

  it("ends 'sent' when Meta accepts after another delivery found the call past its lease and reported it unknown", async () => {
    const job = newJob();
    // Meta takes the message at once but holds its answer back; the holder is still waiting for it.
    sandbox.state.delayNext({ method: "POST", path: /\/messages$/ }, { ms: HELD_ANSWER_MS, deliver: true });
    const holder = sendOnce(deps(LEASE_MS), job);
    await waitFor(async () => sandbox.state.heldAnswers > 0, { what: "the send held at Meta" });

    // A delivery whose lease is already over (a lease too short, or a clock ahead) reports the outcome unknown.
    expect(await sendOnce(deps(0), job)).toBe(true);
    expect(await rowWhen(job, "failed")).toMatchObject({ reason: UNKNOWN_OUTCOME_REASON, message_id: null });

    // Meta's acceptance arrives: the claim is no longer the holder's, but the person got the message.
    expect(await holder).toBe(true);
    const messageId = sentTo(job)[0]?.message_id;
    expect(messageId).toEqual(expect.any(String));
    expect(await rowWhen(job, "sent")).toEqual({ status: "sent", message_id: messageId, reason: null });
    expect(await outcomes(job)).toEqual([
      expect.objectContaining({ kind: "reply_failed", reason: UNKNOWN_OUTCOME_REASON }),
      expect.objectContaining({ kind: "reply_sent", messageId }),
    ]);
    // The reporter's `done` stays: a later delivery sends nothing and publishes nothing.
    const entry = await claims.get(kvKey(job.sendId));
    expect(entry && readClaim(entry)).toMatchObject({ state: "done" });
    expect(await sendOnce(deps(LEASE_MS), job)).toBe(false);
    expect(sentTo(job)).toHaveLength(1);
    expect(await outcomes(job)).toHaveLength(2);
  });
});
