import { DomainEvent, RawWebhook, topology } from "@igdm/contracts";
import { batchWebhook, connectTestNats, instagramFixtures, readStream, waitFor } from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "./expected-rows.js";
import { type Pipeline, startPipeline } from "./pipeline.js";
import { waitUntilSettled } from "./settle.js";

let pipeline: Pipeline;
let nc: NatsConnection;
beforeAll(async () => {
  pipeline = await startPipeline();
  nc = await connectTestNats();
});
afterAll(async () => {
  await nc?.close();
  await pipeline?.stop();
});

describe("delivery", () => {
  it("stores one row per event however often a webhook arrives", async () => {
    const t = topology(pipeline.namespace);
    const fixtures = ["batch_2x3", "reaction", "comment", "read"].map((k) => instagramFixtures[k]);
    expect(fixtures.every(Boolean)).toBe(true);
    const bodies = fixtures.map((f) => JSON.stringify(f!.body));

    // Meta retrying within the duplicate window: ingress answers 200 every time, JetStream keeps one copy.
    for (let i = 0; i < 5; i++) for (const b of bodies) expect(await pipeline.post(b)).toBe(200);
    await waitUntilSettled(pipeline.namespace);
    const once = await rowCounts(pipeline.db);
    expect(once.webhook_logs).toBe(bodies.length);

    // Retries after the window, and a replay of every event: new message ids, so JetStream cannot de-duplicate;
    // the deterministic event ids and upserts must.
    const js = jetstream(nc);
    const raws = await readStream(nc, t.streams.webhooks);
    for (let i = 1; i <= 4; i++) {
      for (const m of raws)
        await js.publish(m.subject, m.data, { msgID: `${RawWebhook.parse(m.json()).id}:late-${i}` });
    }
    const events = await readStream(nc, t.streams.events);
    for (const m of events) {
      await js.publish(m.subject, m.data, { msgID: `${DomainEvent.parse(m.json()).id}:replay` });
    }
    await waitUntilSettled(pipeline.namespace);
    // The late raw deliveries were normalized again, but their events (same ids) were de-duplicated; the replayed
    // events were all consumed by the persister: and nothing was written twice.
    expect((await readStream(nc, t.streams.webhooks)).length).toBe(raws.length * 5);
    expect((await readStream(nc, t.streams.events)).length).toBe(events.length * 2);
    expect(await rowCounts(pipeline.db)).toEqual(once);
  });

  it("turns a batch of 50 entries x 20 messages into 1000 rows", async () => {
    const before = (await rowCounts(pipeline.db)).messages;
    expect(await pipeline.post(JSON.stringify(batchWebhook(50, 20, "e2e-batch")))).toBe(200);
    await waitFor(async () => (await rowCounts(pipeline.db)).messages === before + 1000, {
      timeoutMs: 60_000,
      what: "1000 new message rows",
    });
    const perAccount = await pipeline.db.sql<{ n: number }[]>`
      select count(*)::int as n from messages where message_id like '%e2e-batch%' group by ig_id`;
    expect(perAccount.length).toBe(50);
    expect(perAccount.every((r) => r.n === 20)).toBe(true);
  });
});
