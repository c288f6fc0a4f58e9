import { createHash, randomUUID } from "node:crypto";
import { consumers, DeadLetter, RawWebhook, topology, WebhookEvent } from "@igdm/contracts";
import { createLogger, parseEnv, type Worker } from "@igdm/runtime";
import {
  connectTestNats,
  deeplyNestedBody,
  deleteNamespaceStreams,
  type FuzzBody,
  fuzz,
  fuzzBody,
  invalidUtf8Body,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
  webhookBody,
} from "@igdm/testkit";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { NormalizerEnv } from "./env.js";
import { normalizeWebhook } from "./mapping/normalize-webhook.js";
import { startNormalizer } from "./service.js";

// The default runs take seconds; FUZZ_RUNS may ask for many more.
vi.setConfig({ testTimeout: 180_000 });

const namespace = uniqueNamespace("nfuzz");
const t = topology(namespace);
const durable = consumers(t).normalizer.config.durable_name;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let worker: Worker;

/** Everything the normalizer published, as JSON, by the stream sequence of the raw webhook it came from. */
const eventsBySeq = new Map<number, unknown[]>();
const deadLettersBySeq = new Map<number, unknown[]>();
const subscriptions: Subscription[] = [];

/** A core subscription sees every publish, even one JetStream then drops as a duplicate. */
function collect(subject: string, seqOf: (json: Record<string, unknown>) => unknown, into: Map<number, unknown[]>) {
  const sub = nc.subscribe(subject, {
    callback: (_err, msg) => {
      const json = msg.json<Record<string, unknown>>();
      const seq = Number(seqOf(json));
      into.set(seq, [...(into.get(seq) ?? []), json]);
    },
  });
  subscriptions.push(sub);
}

beforeAll(async () => {
  nc = await connectTestNats();
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  const env = parseEnv(NormalizerEnv, { NATS_URL: testNatsUrl(), NATS_NAMESPACE: namespace, RETRY_BASE_MS: "50" });
  worker = await startNormalizer(env, createLogger({ service: "normalizer-fuzz", level: "silent" }));
  collect(t.subjects.eventsAll, (e) => (e.source as { streamSeq?: unknown } | undefined)?.streamSeq, eventsBySeq);
  collect(t.subjects.dlq("normalizer"), (d) => d.streamSeq, deadLettersBySeq);
});

afterAll(async () => {
  for (const s of subscriptions) s.unsubscribe();
  await worker?.stop();
  await deleteNamespaceStreams(nc, namespace).catch(() => {});
  await nc?.drain();
});

/** Meant to be refused before the mapping runs: a payload that is not a RawWebhook, as a buggy publisher might send. */
interface BrokenEnvelope {
  broken: true;
  payload: Buffer;
  [fc.toStringMethod]: () => string;
}
const brokenEnvelope: fc.Arbitrary<BrokenEnvelope> = fc
  .oneof(
    fc.constantFrom("not json", "", "null", "[]", '{"v":1}', '{"v":2,"id":"x"}'),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "null"),
  )
  .map((s) => ({
    broken: true,
    payload: Buffer.from(s),
    [fc.toStringMethod]: () => `broken envelope ${JSON.stringify(s)}`,
  }));

/** The RawWebhook ingress would publish for these bytes. */
function rawWebhookOf(body: FuzzBody): RawWebhook {
  return {
    v: 1,
    id: createHash("sha256").update(body.bytes).digest("hex"),
    requestId: randomUUID(),
    receivedAt: new Date().toISOString(),
    signedWith: "app",
    headers: { "content-type": "application/json", "user-agent": "facebookexternalua" },
    headerNames: ["content-type", "user-agent", "x-hub-signature-256"],
    body: body.bytes.toString("base64"),
  };
}

/** Until the durable has settled (acked, or terminated after dead-lettering) everything up to `seq`. */
async function settled(seq: number): Promise<void> {
  await waitFor(async () => (await jsm.consumers.info(t.streams.webhooks, durable)).ack_floor.stream_seq >= seq, {
    intervalMs: 5,
    timeoutMs: 20_000,
    what: `normalizer to settle stream seq ${seq}`,
  });
  // Whatever the normalizer published before settling reached the server first; a round trip brings it here.
  await nc.flush();
}

const expectedEventIds = new Set<string>();
const deadLettered = new Set<number>();

it("turns every raw webhook into its events or exactly one dead letter with a reason, dropping none", async () => {
  const cases = fc.oneof(
    { weight: 12, arbitrary: webhookBody({ maxBytes: 4096 }) },
    { weight: 2, arbitrary: deeplyNestedBody({ maxBytes: 64 * 1024 }) },
    { weight: 2, arbitrary: invalidUtf8Body },
    { weight: 1, arbitrary: fc.constant(fuzzBody("garbage", "empty", Buffer.alloc(0))) },
    { weight: 1, arbitrary: brokenEnvelope },
  );
  await fuzz(
    "normalizer service (real NATS)",
    fc.asyncProperty(cases, async (c) => {
      const body = "broken" in c ? undefined : c;
      const raw = body && rawWebhookOf(body);
      const payload = "broken" in c ? c.payload : Buffer.from(JSON.stringify(raw));
      const ack = await js.publish(t.subjects.rawWebhook, payload, { msgID: raw?.id ?? randomUUID() });
      // The same body again (a Meta retry, or the shrinker): JetStream stored it once, it was judged already.
      if (ack.duplicate) return;
      await settled(ack.seq);

      // Every message on those subjects must meet its contract: parse them all.
      const events = (eventsBySeq.get(ack.seq) ?? []).map((e) => WebhookEvent.parse(e));
      const letters = (deadLettersBySeq.get(ack.seq) ?? []).map((d) => DeadLetter.parse(d));
      // The oracle: the pure mapping, or the consumer's own refusal of a payload that is not a RawWebhook.
      const expected =
        body === undefined || raw === undefined || !RawWebhook.safeParse(raw).success
          ? ({ ok: false, reason: "payload" } as const)
          : normalizeWebhook({ body: body.bytes, webhookId: raw.id, streamSeq: ack.seq, receivedAt: raw.receivedAt });
      if (expected.ok) {
        // Exactly the pure mapping's events (several publishes of one event id are fine: JetStream keeps one).
        expect(letters).toEqual([]);
        const byId = new Map(events.map((e) => [e.id, e]));
        expect([...byId.keys()].sort()).toEqual([...new Set(expected.events.map((e) => e.id))].sort());
        // As JSON carries them: a raw item's 1e400 (Infinity) arrives as null, -0 as 0.
        for (const e of expected.events) expect(byId.get(e.id)).toEqual(JSON.parse(JSON.stringify(e)));
        for (const e of expected.events) expectedEventIds.add(e.id);
      } else {
        expect(events).toEqual([]);
        expect(letters).toHaveLength(1);
        const [letter] = letters;
        expect(letter!.reason.length).toBeGreaterThan(0);
        expect(letter!.reason).not.toContain("normalizer bug");
        expect(letter!.reason).toContain(expected.reason === "payload" ? "payload" : expected.reason.slice(0, 60));
        expect(Buffer.from(letter!.payload, "base64").equals(payload)).toBe(true);
        deadLettered.add(ack.seq);
      }
    }),
    { runs: 400 },
  );

  // The streams agree: every event id stored once, one dead letter per refused webhook, nothing left pending.
  const [events, dlq, consumer] = await Promise.all([
    jsm.streams.info(t.streams.events),
    jsm.streams.info(t.streams.dlq),
    jsm.consumers.info(t.streams.webhooks, durable),
  ]);
  expect(events.state.messages).toBe(expectedEventIds.size);
  expect(dlq.state.messages).toBe(deadLettered.size);
  expect([consumer.num_pending, consumer.num_ack_pending, consumer.num_redelivered]).toEqual([0, 0, 0]);
  expect(deadLettered.size).toBeGreaterThan(0);
  expect(expectedEventIds.size).toBeGreaterThan(0);
});
