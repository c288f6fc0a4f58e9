import { allStreams, DeadLetter, topology } from "@igdm/contracts";
import { connectTestNats, deleteNamespaceStreams, readStream, uniqueNamespace, waitFor } from "@igdm/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { watchMaxDeliveries } from "./max-deliveries-watch.js";
import { ensureTopology } from "./topology-setup.js";

const log = createLogger({ service: "test", level: "silent" });
const ns = uniqueNamespace();
const t = topology(ns);
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectTestNats();
});
afterAll(async () => {
  await deleteNamespaceStreams(nc, ns);
  await nc.close();
});

describe("watchMaxDeliveries", () => {
  it("dead-letters a message whose worker never settled it before max_deliver ran out", async () => {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await ensureTopology(jsm, { streams: allStreams(t) }, log);
    const subject = t.subjects.event("crashy");
    await jsm.consumers.add(t.streams.events, {
      durable_name: "crashy",
      filter_subject: subject,
      ack_policy: "explicit" as never,
      ack_wait: 300_000_000,
      max_deliver: 2,
    });
    await watchMaxDeliveries({
      nc,
      js,
      jsm,
      service: "crashy-service",
      stream: t.streams.events,
      durable: "crashy",
      dlqSubject: t.subjects.dlq("crashy-service"),
      log,
    });
    const ack = await js.publish(subject, JSON.stringify({ n: 1 }));

    // A worker that takes the message and dies before settling it, twice: ack_wait expires each time.
    const consumer = await js.consumers.get(t.streams.events, "crashy");
    for (let i = 0; i < 2; i++) {
      const m = await consumer.next({ expires: 5000 });
      expect(m?.info.deliveryCount).toBe(i + 1);
    }
    // A worker still pulling: JetStream checks max_deliver when it would redeliver, and gives up instead.
    expect(await consumer.next({ expires: 2000 })).toBeNull();
    const letters = await waitFor(
      async () => {
        const all = (await readStream(nc, t.streams.dlq)).map((m) => DeadLetter.parse(m.json()));
        return all.length > 0 ? all : undefined;
      },
      { what: "a dead letter" },
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      service: "crashy-service",
      consumer: "crashy",
      streamSeq: ack.seq,
      deliveryCount: 2,
      reason: expect.stringContaining("not settled after 2 deliveries"),
    });
    expect(JSON.parse(Buffer.from(letters[0]!.payload, "base64").toString())).toEqual({ n: 1 });
  });
});
