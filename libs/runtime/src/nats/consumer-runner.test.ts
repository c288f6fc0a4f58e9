import { allStreams, type ConsumerDefinition, DeadLetter, topology } from "@igdm/contracts";
import { connectTestNats, deleteNamespaceStreams, readStream, uniqueNamespace, waitFor } from "@igdm/testkit";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { PermanentError, TransientError } from "../errors.js";
import { createLogger } from "../logger.js";
import { type BatchFailures, ConsumerRunner, type ConsumerRunnerOptions, type Delivery } from "./consumer-runner.js";
import { ensureConsumer, ensureTopology } from "./topology-setup.js";

const Item = z.object({ n: z.number().int() });
type Item = z.infer<typeof Item>;
const log = createLogger({ service: "test", level: "silent" });
const ns = uniqueNamespace();
const t = topology(ns);
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let runner: ConsumerRunner<typeof Item> | undefined;
let consumerIndex = 0;

beforeAll(async () => {
  nc = await connectTestNats();
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureTopology(jsm, { streams: allStreams(t) }, log);
});

afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

afterAll(async () => {
  await deleteNamespaceStreams(nc, ns);
  await nc.close();
});

/** Each test gets its own subject and durable, so tests in this file do not share messages. */
async function setup(maxDeliver = 5) {
  const name = `c${++consumerIndex}`;
  const subject = t.subjects.event(name);
  const definition: ConsumerDefinition = {
    stream: t.streams.events,
    config: {
      durable_name: name,
      description: "test",
      filter_subject: subject,
      ack_policy: "explicit",
      deliver_policy: "all",
      replay_policy: "instant",
      ack_wait: 5_000_000_000,
      max_deliver: maxDeliver,
      max_ack_pending: 1000,
      max_waiting: 64,
    },
  };
  await ensureConsumer(jsm, definition, log);
  const publish = async (payload: unknown) =>
    js.publish(subject, typeof payload === "string" ? payload : JSON.stringify(payload));
  return { definition, subject, publish };
}

type StartOptions = Partial<
  Pick<ConsumerRunnerOptions<typeof Item>, "maxBatch" | "maxUnclassifiedAttempts" | "concurrency" | "handlerTimeoutMs">
>;

function start(
  definition: ConsumerDefinition,
  handle: (b: Delivery<Item>[]) => Promise<void | BatchFailures<Item>>,
  opts: StartOptions = {},
) {
  runner = new ConsumerRunner({
    service: "test-service",
    js,
    definition,
    schema: Item,
    dlqSubject: t.subjects.dlq("test-service"),
    log,
    maxBatch: 10,
    handle,
    retryDelayMs: () => 50,
    ...opts,
  });
  return runner.start();
}

async function deadLettersFor(subject: string) {
  const all = await readStream(nc, t.streams.dlq);
  return all.map((m) => DeadLetter.parse(m.json())).filter((d) => d.subject === subject);
}

async function settled(definition: ConsumerDefinition) {
  return waitFor(
    async () => {
      const info = await jsm.consumers.info(definition.stream, definition.config.durable_name);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { what: "every message acked" },
  );
}

describe("ConsumerRunner", () => {
  it("handles every valid message once, in batches no larger than maxBatch, and acks them", async () => {
    const { definition, publish } = await setup();
    for (let n = 0; n < 60; n++) await publish({ n });
    const seen: number[] = [];
    const sizes: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    await start(definition, async (batch) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      sizes.push(batch.length);
      seen.push(...batch.map((d) => d.data.n));
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
    });
    await waitFor(async () => seen.length >= 60, { what: "60 handled" });
    await settled(definition);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    expect(sizes.some((s) => s > 1)).toBe(true);
    // One batch at a time unless told otherwise.
    expect(mostInFlight).toBe(1);
    expect(runner!.stats.handled).toBe(60);
  });

  it("with concurrency, handles several batches at once: a stuck one holds back only itself", async () => {
    const { definition, publish } = await setup();
    for (let n = 0; n < 8; n++) await publish({ n });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const handled: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    await start(
      definition,
      async ([d]) => {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        if (d!.data.n === 0) await gate;
        else await new Promise((r) => setTimeout(r, 5));
        handled.push(d!.data.n);
        inFlight--;
      },
      { maxBatch: 1, concurrency: 3 },
    );
    // Everything but the stuck message is handled (and acked) while it waits.
    await waitFor(async () => handled.length === 7, { what: "the other 7 handled" });
    expect(handled).not.toContain(0);
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(definition.stream, definition.config.durable_name);
        return info.num_pending === 0 && info.num_ack_pending === 1;
      },
      { what: "all acked but the stuck one" },
    );
    expect(mostInFlight).toBe(3);
    // stop() waits for the stuck batch too, and acks it.
    const stopping = runner!.stop();
    setTimeout(release, 50);
    await stopping;
    expect(runner!.stats.handled).toBe(8);
    await settled(definition);
  });

  it("dead-letters payloads that are not JSON or break the contract, with the reason, and keeps going", async () => {
    const { definition, subject, publish } = await setup();
    await publish("{not json");
    await publish({ n: "one" });
    await publish({ n: 7 });
    const seen: number[] = [];
    await start(definition, async (batch) => {
      seen.push(...batch.map((d) => d.data.n));
    });
    await waitFor(async () => (await deadLettersFor(subject)).length === 2, { what: "2 dead letters" });
    await waitFor(async () => seen.length === 1, { what: "valid one handled" });
    const letters = await deadLettersFor(subject);
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringContaining("payload is not JSON"),
      expect.stringMatching(/does not match its contract: n: /),
    ]);
    expect(Buffer.from(letters[0]!.payload, "base64").toString()).toBe("{not json");
    expect(letters[0]).toMatchObject({ service: "test-service", consumer: definition.config.durable_name });
    await settled(definition);
  });

  it("retries transient failures with a delay until they succeed", async () => {
    const { definition, publish } = await setup();
    await publish({ n: 1 });
    const attempts: number[] = [];
    await start(definition, async ([d]) => {
      attempts.push(d!.deliveryCount);
      if (d!.deliveryCount < 3) throw new TransientError("database unavailable");
    });
    await waitFor(async () => runner!.stats.handled === 1, { what: "handled after retries" });
    expect(attempts).toEqual([1, 2, 3]);
    expect(runner!.stats.retried).toBe(2);
    await settled(definition);
  });

  it("dead-letters a permanent failure at once", async () => {
    const { definition, subject, publish } = await setup();
    await publish({ n: 1 });
    await start(definition, async () => {
      throw new PermanentError("recipient does not exist");
    });
    await waitFor(async () => (await deadLettersFor(subject)).length === 1, { what: "dead letter" });
    expect((await deadLettersFor(subject))[0]).toMatchObject({ reason: "recipient does not exist", deliveryCount: 1 });
    await settled(definition);
  });

  it("isolates a poison message from its batch and dead-letters it on the last delivery", async () => {
    const { definition, subject, publish } = await setup(3);
    for (let n = 0; n < 20; n++) await publish({ n });
    const handled = new Set<number>();
    await start(definition, async (batch) => {
      if (batch.some((d) => d.data.n === 13)) throw new Error("constraint violated by 13");
      for (const d of batch) handled.add(d.data.n);
    });
    await waitFor(async () => (await deadLettersFor(subject)).length === 1, { what: "poison dead-lettered" });
    await settled(definition);
    expect(handled.size).toBe(19);
    expect(handled.has(13)).toBe(false);
    const [letter] = await deadLettersFor(subject);
    expect(letter!.reason).toBe("gave up after 3 deliveries: constraint violated by 13");
    expect(JSON.parse(Buffer.from(letter!.payload, "base64").toString())).toEqual({ n: 13 });
  });

  it("dead-letters only the permanently bad message of a batch", async () => {
    const { definition, subject, publish } = await setup();
    for (let n = 0; n < 10; n++) await publish({ n });
    const handled = new Set<number>();
    await start(definition, async (batch) => {
      if (batch.some((d) => d.data.n === 4)) throw new PermanentError("4 is not allowed");
      for (const d of batch) handled.add(d.data.n);
    });
    await waitFor(async () => (await deadLettersFor(subject)).length === 1, { what: "one dead letter" });
    await settled(definition);
    expect(handled.size).toBe(9);
    expect((await deadLettersFor(subject))[0]).toMatchObject({ reason: "4 is not allowed", deliveryCount: 1 });
  });

  it("gives up on an unclassified error after maxUnclassifiedAttempts, but retries transient ones longer", async () => {
    const { definition, subject, publish } = await setup(20);
    await publish({ n: 1 });
    await publish({ n: 2 });
    const transientAttempts: number[] = [];
    await start(
      definition,
      async ([d]) => {
        if (d!.data.n === 1) throw new Error("bug");
        transientAttempts.push(d!.deliveryCount);
        if (d!.deliveryCount < 6) throw new TransientError("still down");
      },
      { maxBatch: 1, maxUnclassifiedAttempts: 3 },
    );
    await waitFor(async () => (await deadLettersFor(subject)).length === 1, { what: "bug dead-lettered" });
    await settled(definition);
    expect((await deadLettersFor(subject))[0]!.reason).toBe("gave up after 3 deliveries: bug");
    expect(transientAttempts).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("settles only the failures a handler returns and acks the rest of the batch", async () => {
    const { definition, subject, publish } = await setup();
    for (let n = 0; n < 6; n++) await publish({ n });
    const calls: number[][] = [];
    await start(definition, async (batch) => {
      calls.push(batch.map((d) => d.data.n));
      return batch
        .filter((d) => d.data.n === 2)
        .map((delivery) => ({ delivery, error: new PermanentError("2 cannot be normalized") }));
    });
    await waitFor(async () => (await deadLettersFor(subject)).length === 1, { what: "one dead letter" });
    await settled(definition);
    expect(calls.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(runner!.stats).toMatchObject({ handled: 5, deadLettered: 1 });
  });

  it("retries a batch whose handler never settles, instead of stalling the consumer", async () => {
    const { definition, publish } = await setup();
    await publish({ n: 1 });
    await publish({ n: 2 });
    const calls: number[] = [];
    await start(
      definition,
      async ([d]) => {
        calls.push(d!.data.n);
        if (d!.data.n === 1 && d!.deliveryCount === 1) await new Promise(() => {}); // hangs forever
      },
      { maxBatch: 1, handlerTimeoutMs: 200 },
    );
    await settled(definition);
    expect(calls.filter((n) => n === 1)).toHaveLength(2);
    expect(calls).toContain(2);
    expect(runner!.stats.handled).toBe(2);
  });

  it("stop() waits for the batch in flight and acks it", async () => {
    const { definition, publish } = await setup();
    await publish({ n: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered = false;
    await start(definition, async () => {
      entered = true;
      await gate;
    });
    await waitFor(async () => entered, { what: "handler entered" });
    const stopping = runner!.stop();
    setTimeout(release, 100);
    await stopping;
    expect(runner!.stats.handled).toBe(1);
    await settled(definition);
  });
});
