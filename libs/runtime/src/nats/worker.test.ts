import { allStreams, type ConsumerDefinition, topology } from "@igdm/contracts";
import {
  connectTestNats,
  type NatsServerHandle,
  parsePrometheusText,
  startNatsServer,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { commonEnv, parseEnv } from "../env.js";
import { TransientError } from "../errors.js";
import { createLogger } from "../logger.js";
import { metricsRegistry } from "../observability/registry.js";
import { startWorker, type Worker } from "./worker.js";

const Item = z.object({ n: z.number().int() });
const log = createLogger({ service: "test", level: "silent" });
const ns = uniqueNamespace();
const t = topology(ns);
const durable = "observed";
const subject = t.subjects.event("observed");
const definition: ConsumerDefinition = {
  stream: t.streams.events,
  config: {
    durable_name: durable,
    description: "test",
    filter_subject: subject,
    ack_policy: "explicit",
    deliver_policy: "all",
    replay_policy: "instant",
    ack_wait: 30_000_000_000,
    max_deliver: 5,
    // Two in flight at most: the rest of a backlog stays pending on the server, where the lag gauge sees it.
    max_ack_pending: 2,
    max_waiting: 64,
  },
};

let server: NatsServerHandle;
let worker: Worker;
let client: NatsConnection;
/** Handling waits on this gate while a test holds it closed. */
let gate: Promise<void> = Promise.resolve();
const seen: number[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  const env = parseEnv(z.object(commonEnv), {
    NATS_URL: server.url,
    NATS_NAMESPACE: ns,
    RETRY_BASE_MS: "50",
    RETRY_MAX_MS: "100",
  });
  worker = await startWorker({
    service: "test-worker",
    env,
    log,
    topology: t,
    streams: allStreams(t),
    consumers: () => [
      {
        definition,
        schema: Item,
        maxBatch: 1,
        handle: async (batch) => {
          await gate;
          for (const d of batch) {
            if (d.data.n === 99 && d.deliveryCount === 1) throw new TransientError("not yet");
            seen.push(d.data.n);
          }
        },
      },
    ],
  });
  client = await connectTestNats(server.url);
});

afterAll(async () => {
  await client?.close();
  await worker?.stop();
  await server?.dispose();
});

const scrape = async () => parsePrometheusText(await metricsRegistry.metrics());
const labels = { stream: t.streams.events, durable };

describe("a worker's readiness and consumer metrics", () => {
  it("is ready with its durable bound", async () => {
    const r = await worker.readiness();
    expect(r.ready).toBe(true);
    expect(r.checks.nats).toEqual({ ok: true });
    expect(r.checks.consumers).toEqual({ ok: true, detail: "1 bound" });
  });

  it("reports the backlog as pending and ack-pending messages, and counts acks and their latency", async () => {
    let open!: () => void;
    gate = new Promise((r) => {
      open = r;
    });
    const js = jetstream(client);
    for (let n = 1; n <= 5; n++) await js.publish(subject, JSON.stringify({ n }));
    // Two delivered and held by the closed gate, three waiting on the server.
    await waitFor(
      async () => {
        const m = await scrape();
        return m.value("igdm_consumer_ack_pending_messages", labels) === 2 &&
          m.value("igdm_consumer_pending_messages", labels) === 3
          ? m
          : undefined;
      },
      { what: "lag of 3 pending and 2 ack-pending" },
    );

    const before = (await scrape()).value("igdm_messages_processed_total", { durable, outcome: "ack" });
    open();
    await waitFor(async () => seen.length === 5, { what: "five messages handled" });
    const m = await waitFor(
      async () => {
        const s = await scrape();
        return s.value("igdm_consumer_pending_messages", labels) === 0 &&
          s.value("igdm_consumer_ack_pending_messages", labels) === 0
          ? s
          : undefined;
      },
      { what: "no lag left" },
    );
    expect(m.value("igdm_messages_processed_total", { durable, outcome: "ack" }) - before).toBe(5);
    expect(m.value("igdm_message_latency_seconds_count", { durable })).toBeGreaterThanOrEqual(5);
    expect(m.value("igdm_batch_duration_seconds_count", { durable })).toBeGreaterThanOrEqual(5);
  });

  it("counts retries and dead letters by outcome", async () => {
    const before = await scrape();
    const count = (m: Awaited<ReturnType<typeof scrape>>, outcome: string) =>
      m.value("igdm_messages_processed_total", { durable, outcome });
    const js = jetstream(client);
    await js.publish(subject, "not json");
    await js.publish(subject, JSON.stringify({ n: 99 }));
    await waitFor(async () => seen.includes(99), { what: "the retried message handled" });
    const after = await scrape();
    expect(count(after, "dead_letter") - count(before, "dead_letter")).toBe(1);
    expect(
      after.value("igdm_dead_letters_total", { durable }) - before.value("igdm_dead_letters_total", { durable }),
    ).toBe(1);
    expect(count(after, "retry") - count(before, "retry")).toBe(1);
    expect(count(after, "ack") - count(before, "ack")).toBe(1);
  });

  it("turns not ready when the server goes away and ready again when it is back", async () => {
    await server.stop();
    const down = await waitFor(
      async () => {
        const r = await worker.readiness();
        return r.checks.nats?.ok ? undefined : r;
      },
      { what: "not ready" },
    );
    expect(down.checks.nats).toMatchObject({ ok: false, detail: "disconnected from NATS" });
    expect(down.checks.consumers?.ok).toBe(false);
    // Lag cannot be read while the server is down: the series disappear instead of going stale.
    expect((await scrape()).has("igdm_consumer_pending_messages", labels)).toBe(false);

    await server.restart();
    const up = await waitFor(
      async () => {
        const r = await worker.readiness();
        return r.ready ? r : undefined;
      },
      { timeoutMs: 20_000, what: "ready again" },
    );
    expect(up.checks.consumers).toEqual({ ok: true, detail: "1 bound" });

    // And it consumes again.
    // The test's own client reconnects on its own schedule.
    await waitFor(
      async () =>
        jetstream(client)
          .publish(subject, JSON.stringify({ n: 6 }), { msgID: "after-restart" })
          .then(
            () => true,
            () => false,
          ),
      { timeoutMs: 20_000, what: "a publish after the restart" },
    );
    await waitFor(async () => seen.includes(6), { timeoutMs: 20_000, what: "a message after the restart" });
  });
});
