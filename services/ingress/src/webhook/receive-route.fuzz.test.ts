import { createHash } from "node:crypto";
import { RawWebhook, topology } from "@igdm/contracts";
import {
  connectTestNats,
  deleteNamespaceStreams,
  expectedWebhookOutcome,
  fuzz,
  nodeHeaders,
  oversizedBody,
  readStream,
  webhookBody,
  webhookRequest,
} from "@igdm/testkit";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import fc from "fast-check";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { APP_SECRET, INSTAGRAM_APP_SECRET, type IngressUnderTest, startIngress } from "../testing/ingress-harness.js";

// The default runs take seconds; FUZZ_RUNS may ask for many more.
vi.setConfig({ testTimeout: 180_000 });

const BODY_LIMIT = 64 * 1024;
const SECRETS = [APP_SECRET, INSTAGRAM_APP_SECRET] as const;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let ingress: IngressUnderTest;
let nc: NatsConnection;
let sub: Subscription;
const logLines: string[] = [];
/** Every publish on the raw subject, as it went out (a core subscription also sees those JetStream de-duplicates). */
const published: unknown[] = [];

beforeAll(async () => {
  nc = await connectTestNats();
  // A generous publish timeout: on a loaded machine a slow ack must not pass for the broker being down (503).
  ingress = await startIngress({
    env: { BODY_LIMIT_BYTES: String(BODY_LIMIT), PUBLISH_TIMEOUT_MS: "10000" },
    logLines,
  });
  sub = nc.subscribe(topology(ingress.namespace).subjects.rawWebhook, {
    callback: (_err, msg) => {
      published.push(msg.json());
    },
  });
  await nc.flush();
});

afterAll(async () => {
  sub?.unsubscribe();
  await ingress?.close();
  await deleteNamespaceStreams(nc, ingress.namespace);
  await nc?.drain();
});

it("answers any request as the webhook contract says, never 5xx, and publishes exactly the verified bodies byte for byte", async () => {
  const requests = webhookRequest({
    secrets: SECRETS,
    body: fc.oneof(
      { weight: 19, arbitrary: webhookBody({ maxBytes: BODY_LIMIT }) },
      { weight: 1, arbitrary: oversizedBody(BODY_LIMIT) },
    ),
  });
  /** Bodies that must be in the stream: id -> bytes. */
  const verified = new Map<string, Buffer>();

  await fuzz(
    "ingress webhook requests (inject)",
    fc.asyncProperty(requests, async (req) => {
      const before = published.length;
      const res = await ingress.app.inject({
        method: req.method as InjectOptions["method"],
        url: req.url,
        // As node's parser would hand them over: lower case, trimmed, repeats merged.
        headers: nodeHeaders(req.headers),
        payload: req.body.bytes,
      });
      // A publish is acked before the answer; the round trip brings its copy to this subscription.
      await nc.flush();
      const fresh = published.slice(before).map((m) => RawWebhook.parse(m));
      const expected = expectedWebhookOutcome(req, SECRETS, BODY_LIMIT);

      expect(res.statusCode).toBeLessThan(500);
      if (expected.status === "not-the-webhook-route") {
        expect(fresh).toEqual([]);
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        return;
      }
      expect(res.statusCode).toBe(expected.status);
      if (!expected.published) {
        expect(fresh).toEqual([]);
        expect(res.json()).toEqual({
          error: { code: expect.stringMatching(/^IGDM_ERR_|^FST_/), message: expect.any(String) },
        });
        return;
      }
      expect(res.body).toBe("EVENT_RECEIVED");
      expect(fresh).toHaveLength(1);
      const [raw] = fresh;
      expect(raw!.id).toBe(sha256(req.body.bytes));
      expect(Buffer.from(raw!.body, "base64").equals(req.body.bytes)).toBe(true);
      expect(raw!.signedWith).toBe(req.signature === "valid-second-secret" ? "instagram" : "app");
      verified.set(raw!.id, req.body.bytes);
    }),
    { runs: 2000 },
  );

  // The stream holds each verified body once (ids are sha256 of the bytes) and nothing else.
  const stored = await readStream(nc, topology(ingress.namespace).streams.webhooks);
  const storedById = new Map(stored.map((m) => [m.headers["Nats-Msg-Id"]?.[0], RawWebhook.parse(m.json())]));
  expect(stored).toHaveLength(verified.size);
  for (const [id, bytes] of verified) expect(Buffer.from(storedById.get(id)!.body, "base64").equals(bytes)).toBe(true);
  expect(verified.size).toBeGreaterThan(0);

  // Still up, still connected, and no request ever reached the 5xx error path.
  expect((await ingress.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
  expect(ingress.sink.available).toBe(true);
  expect(logLines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
});
