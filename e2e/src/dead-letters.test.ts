import { DeadLetter, topology } from "@igdm/contracts";
import { connectTestNats, instagramTextWebhook, malformedBodies, readStream, waitFor } from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Pipeline, startPipeline } from "./pipeline.js";

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

const deadLetters = async () =>
  (await readStream(nc, topology(pipeline.namespace).streams.dlq)).map((m) => DeadLetter.parse(m.json()));

describe("dead letters", () => {
  it("keeps malformed bodies and contract-breaking events with a readable reason, and keeps consuming", async () => {
    const signedButMalformed = Object.entries(malformedBodies).filter(([, body]) => body.length > 0);
    for (const [, body] of signedButMalformed) expect(await pipeline.post(body)).toBe(200);
    const t = topology(pipeline.namespace);
    await jetstream(nc).publish(t.subjects.event("message"), JSON.stringify({ v: 1, kind: "message", id: "x" }));

    await waitFor(async () => (await deadLetters()).length === signedButMalformed.length + 1, {
      what: "every bad message dead-lettered",
    });
    const letters = await deadLetters();
    const fromNormalizer = letters.filter((l) => l.service === "normalizer");
    expect(fromNormalizer.length).toBe(signedButMalformed.length);
    for (const l of fromNormalizer) {
      expect(l.reason).toMatch(/cannot be normalized: (body is not|.*JSON|.*envelope)/);
      expect(l).toMatchObject({ stream: t.streams.webhooks, consumer: "normalizer" });
    }
    const [fromPersister] = letters.filter((l) => l.service === "persister");
    expect(fromPersister!.reason).toMatch(/does not match its contract/);
    expect(JSON.parse(Buffer.from(fromPersister!.payload, "base64").toString())).toMatchObject({ id: "x" });

    const body = instagramTextWebhook("mid.after-dead-letters");
    expect(await pipeline.post(body)).toBe(200);
    await waitFor(
      async () => (await pipeline.db.sql`select 1 from messages where message_id = 'mid.after-dead-letters'`).length,
      { what: "the next good message stored" },
    );
  });
});
