import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { RawWebhook, topology } from "@igdm/contracts";
import {
  connectTestNats,
  deleteNamespaceStreams,
  expectedWebhookOutcome,
  type Framing,
  fuzz,
  metaWebhookHeaders,
  oversizedBody,
  rawWebhookHttpRequest,
  sendRawHttp,
  validMetaBody,
  webhookBody,
  webhookRequest,
} from "@igdm/testkit";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { APP_SECRET, INSTAGRAM_APP_SECRET, type IngressUnderTest, startIngress } from "../testing/ingress-harness.js";

// The default runs take seconds; FUZZ_RUNS may ask for many more.
vi.setConfig({ testTimeout: 180_000 });

/** What app.inject cannot express: bytes on a real socket (header case and repeats, chunking, broken heads, slow clients). */

const BODY_LIMIT = 64 * 1024;
const REQUEST_TIMEOUT_MS = 1000;
const SECRETS = [APP_SECRET, INSTAGRAM_APP_SECRET] as const;
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let ingress: IngressUnderTest;
let port: number;
let nc: NatsConnection;
let sub: Subscription;
const logLines: string[] = [];
/** Every publish on the raw subject (a core subscription also sees those JetStream de-duplicates). */
const published: RawWebhook[] = [];

beforeAll(async () => {
  nc = await connectTestNats();
  ingress = await startIngress({
    // A generous publish timeout: on a loaded machine a slow ack must not pass for the broker being down (503).
    env: {
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      PUBLISH_TIMEOUT_MS: "10000",
    },
    logLines,
  });
  sub = nc.subscribe(topology(ingress.namespace).subjects.rawWebhook, {
    callback: (_err, msg) => {
      published.push(RawWebhook.parse(msg.json()));
    },
  });
  await ingress.app.listen({ host: "127.0.0.1", port: 0 });
  port = (ingress.app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  sub?.unsubscribe();
  await ingress?.close();
  await deleteNamespaceStreams(nc, ingress.namespace);
  await nc?.drain();
  // Whatever the sockets did, nothing took the 5xx path (it logs at error level).
  expect(logLines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
});

/** What was published since `before`, once a round trip made sure every acked publish arrived. */
async function publishedSince(before: number): Promise<RawWebhook[]> {
  await nc.flush();
  return published.slice(before);
}

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ chunked: false as const }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 8192 }).map((chunkSize) => ({ chunked: true as const, chunkSize })),
  },
);

describe("POST /webhook over real sockets", () => {
  it("answers raw requests (any header case, repeats, Content-Length or chunked) as the contract says, publishing only verified bodies", async () => {
    const requests = webhookRequest({
      secrets: SECRETS,
      body: fc.oneof(
        { weight: 15, arbitrary: webhookBody({ maxBytes: BODY_LIMIT }) },
        { weight: 1, arbitrary: oversizedBody(BODY_LIMIT, 64 * 1024) },
      ),
    });
    await fuzz(
      "ingress webhook requests (sockets)",
      fc.asyncProperty(requests, framing, async (req, frame) => {
        const before = published.length;
        const res = await sendRawHttp(port, rawWebhookHttpRequest(req, frame));
        const fresh = await publishedSince(before);
        const expected = expectedWebhookOutcome(req, SECRETS, BODY_LIMIT, frame);
        expect(res.status, res.received.toString("latin1").slice(0, 200)).toBeDefined();
        expect(res.status).toBeLessThan(500);
        if (expected.status === "not-the-webhook-route") expect(res.status).toBeGreaterThanOrEqual(400);
        else expect(res.status).toBe(expected.status);
        if (!expected.published) {
          expect(fresh).toEqual([]);
          return;
        }
        expect(fresh).toHaveLength(1);
        expect(fresh[0]!.id).toBe(sha256(req.body.bytes));
        expect(Buffer.from(fresh[0]!.body, "base64").equals(req.body.bytes)).toBe(true);
      }),
      { runs: 300 },
    );
  });

  it("never publishes from a broken request head: stray bytes, conflicting framing, oversized headers", async () => {
    const signedRequest = fc.tuple(validMetaBody, fc.boolean()).map(([body, chunked]) => {
      const req = {
        method: "POST",
        url: "/webhook",
        headers: Object.entries(metaWebhookHeaders(body.bytes, APP_SECRET)),
        body,
        signature: "valid" as const,
        contentType: "json" as const,
      };
      return {
        req,
        bytes: rawWebhookHttpRequest(req, chunked ? { chunked: true, chunkSize: 64 } : { chunked: false }),
      };
    });
    const breakage = fc.oneof(
      fc.record({
        kind: fc.constant("stray-byte" as const),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        byte: fc.constantFrom(0x00, 0x0a, 0x0b, 0x0d, 0x7f, 0x80, 0xff, 0x3a, 0x20, 0x09),
      }),
      fc.record({
        kind: fc.constantFrom(
          "second-content-length" as const,
          "length-and-chunked" as const,
          "huge-header" as const,
          "bad-version" as const,
          "no-host" as const,
          "negative-length" as const,
        ),
      }),
    );
    await fuzz(
      "ingress broken request heads (sockets)",
      fc.asyncProperty(signedRequest, breakage, async ({ req, bytes }, broken) => {
        const text = bytes.toString("latin1");
        const headEnd = text.indexOf("\r\n\r\n");
        let wire: Buffer;
        if (broken.kind === "stray-byte") {
          const at = Math.floor(broken.at * headEnd);
          wire = Buffer.concat([bytes.subarray(0, at), Buffer.from([broken.byte]), bytes.subarray(at)]);
        } else {
          const head = text.slice(0, headEnd);
          const rest = bytes.subarray(headEnd);
          const edited = {
            "second-content-length": `${head}\r\nContent-Length: 3`,
            "length-and-chunked": `${head}\r\n${head.includes("chunked") ? "Content-Length: 5" : "Transfer-Encoding: chunked"}`,
            "huge-header": `${head}\r\nX-Padding: ${"p".repeat(20_000)}`,
            "bad-version": head.replace("HTTP/1.1", "HTTP/9.9"),
            "no-host": head.replace("Host: 127.0.0.1\r\n", ""),
            "negative-length": head.replace(/Content-Length: \d+|Transfer-Encoding: chunked/, "Content-Length: -1"),
          }[broken.kind];
          wire = Buffer.concat([Buffer.from(edited, "latin1"), rest]);
        }
        const before = published.length;
        const res = await sendRawHttp(port, wire);
        const fresh = await publishedSince(before);
        if (res.status !== undefined) expect(res.status).toBeLessThan(500);
        // A break that leaves the request well-formed may still succeed, but then only with the signed bytes.
        if (res.status === 200) {
          expect(fresh).toHaveLength(1);
          expect(Buffer.from(fresh[0]!.body, "base64").equals(req.body.bytes)).toBe(true);
        } else {
          expect(fresh).toEqual([]);
        }
      }),
      { runs: 150 },
    );
  });

  it(`cuts off clients slower than REQUEST_TIMEOUT_MS (${REQUEST_TIMEOUT_MS} ms) and publishes nothing of theirs`, async () => {
    // Each client plans to need ten times the timeout, so being cut off is no question of timing.
    const planned = 10 * REQUEST_TIMEOUT_MS;
    const slowClient = fc.record({
      body: validMetaBody,
      stall: fc.constantFrom("idle", "partial-head", "trickle-head", "trickle-body", "stalled-body"),
      intervalMs: fc.integer({ min: 100, max: 400 }),
    });
    await fuzz(
      "ingress slow clients (sockets)",
      fc.asyncProperty(fc.array(slowClient, { minLength: 3, maxLength: 3 }), async (clients) => {
        const before = published.length;
        const results = await Promise.all(
          clients.map(({ body, stall, intervalMs }) => {
            const wire = rawWebhookHttpRequest(
              {
                method: "POST",
                url: "/webhook",
                headers: Object.entries(metaWebhookHeaders(body.bytes, APP_SECRET)),
                body,
                signature: "valid",
                contentType: "json",
              },
              { chunked: false },
            );
            const headLength = wire.indexOf("\r\n\r\n") + 4;
            const size = Math.max(1, Math.floor((wire.length * intervalMs) / planned));
            const slow = {
              idle: { first: 0, size, intervalMs, stopAt: 0 },
              "partial-head": {
                first: Math.floor(headLength / 2),
                size,
                intervalMs,
                stopAt: Math.floor(headLength / 2),
              },
              "trickle-head": { first: 0, size, intervalMs },
              "trickle-body": { first: headLength, size, intervalMs },
              "stalled-body": { first: headLength + 1, size, intervalMs, stopAt: headLength + 1 },
            }[stall];
            // A server that never cuts the client off shows as the client finishing, or as this give-up.
            return sendRawHttp(port, wire, { slow, timeoutMs: planned + 5000 });
          }),
        );
        for (const res of results) {
          expect(res.sentAll).toBe(false);
          // 408, or the connection closed without an answer: never a success.
          if (res.status !== undefined) expect(res.status).toBe(408);
        }
        expect(await publishedSince(before)).toEqual([]);
      }),
      // Each case takes seconds: report the first failure rather than shrink it.
      { runs: 5, maxRuns: 20, endOnFailure: true },
    );
  });
});
