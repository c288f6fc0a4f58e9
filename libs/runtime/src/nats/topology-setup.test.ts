import { allConsumers, allStreams, DEFAULT_STREAM_SETTINGS, HOUR, nanos, topology } from "@igdm/contracts";
import { connectTestNats, deleteNamespaceStreams, startNatsCluster, uniqueNamespace } from "@igdm/testkit";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { ensureTopology } from "./topology-setup.js";

const log = createLogger({ service: "test", level: "silent" });
const ns = uniqueNamespace();
const t = topology(ns);
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connectTestNats();
  jsm = await jetstreamManager(nc);
});

afterAll(async () => {
  await deleteNamespaceStreams(nc, ns);
  await nc.close();
});

describe("ensureTopology", () => {
  it("creates every stream and consumer, and running it again (from several replicas at once) changes nothing", async () => {
    const parts = { streams: allStreams(t), consumers: allConsumers(t) };
    await Promise.all([ensureTopology(jsm, parts, log), ensureTopology(jsm, parts, log)]);
    const before = await jsm.streams.info(t.streams.webhooks);
    await ensureTopology(jsm, parts, log);
    const after = await jsm.streams.info(t.streams.webhooks);
    expect(after.created).toEqual(before.created);
    expect(after.config.subjects).toEqual([t.subjects.webhooksAll]);
    const consumer = await jsm.consumers.info(t.streams.webhooks, "normalizer");
    expect(consumer.config.filter_subject).toBe(t.subjects.rawWebhook);
    expect(consumer.config.max_deliver).toBe(30);
  });

  it("applies a changed retention and consumer setting in place", async () => {
    const settings = { ...DEFAULT_STREAM_SETTINGS, webhooksMaxAgeMs: 2 * HOUR, duplicateWindowMs: HOUR };
    const consumers = allConsumers(t).map((c) => ({ ...c, config: { ...c.config, max_deliver: 12 } }));
    await ensureTopology(jsm, { streams: allStreams(t, settings), consumers }, log);
    const info = await jsm.streams.info(t.streams.webhooks);
    expect(info.config.max_age).toBe(nanos(2 * HOUR));
    expect(info.config.duplicate_window).toBe(nanos(HOUR));
    expect((await jsm.consumers.info(t.streams.webhooks, "normalizer")).config.max_deliver).toBe(12);
  });

  it("on a three-node cluster, five replicas creating the same R3 streams and durables at once all succeed", async () => {
    // NATS 2.9's meta leader may leave some of these concurrent creates unanswered: each must ask again, not fail.
    const cluster = await startNatsCluster();
    const conns: NatsConnection[] = [];
    try {
      await cluster.waitForJetStream();
      const settings = { ...DEFAULT_STREAM_SETTINGS, replicas: 3 };
      const parts = { streams: allStreams(t, settings), consumers: allConsumers(t) };
      for (let i = 0; i < 5; i++) conns.push(await cluster.connect());
      // No API check on creating the managers, and a generous timeout for the final info: neither is under test, and on
      // a loaded CI machine a newly elected meta leader can take longer than the client's default 5 s to answer them.
      // ensureTopology keeps the default timeout: its retries are what this test is about.
      const manager = (c: NatsConnection, timeout?: number) =>
        jetstreamManager(c, { checkAPI: false, ...(timeout ? { timeout } : {}) });
      await Promise.all(conns.map(async (c) => ensureTopology(await manager(c), parts, log)));
      const info = await (await manager(conns[0]!, 20_000)).streams.info(t.streams.webhooks);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.replicas).toHaveLength(2);
    } finally {
      for (const c of conns) await c.close();
      await cluster.dispose();
    }
  }, 120_000);
});
