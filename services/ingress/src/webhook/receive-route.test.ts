import { createHash } from "node:crypto";
import { RawWebhook, topology } from "@igdm/contracts";
import { signatureHeaderValue } from "@igdm/meta";
import {
  connectTestNats,
  deleteNamespaceStreams,
  instagramTextWebhook,
  metaWebhookHeaders,
  readStream,
} from "@igdm/testkit";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, INSTAGRAM_APP_SECRET, type IngressUnderTest, startIngress } from "../testing/ingress-harness.js";

let ingress: IngressUnderTest;
let nc: NatsConnection;
let mid = 0;

beforeAll(async () => {
  nc = await connectTestNats();
  ingress = await startIngress({ env: { BODY_LIMIT_BYTES: String(64 * 1024) } });
});

afterAll(async () => {
  await ingress.close();
  await deleteNamespaceStreams(nc, ingress.namespace);
  await nc.close();
});

const stored = async () =>
  (await readStream(nc, topology(ingress.namespace).streams.webhooks)).map((m) => ({
    ...m,
    raw: RawWebhook.parse(m.json()),
  }));

const post = (body: string | Buffer, headers: Record<string, string>) =>
  ingress.app.inject({ method: "POST", url: "/webhook", payload: body, headers });

const nextBody = () => instagramTextWebhook(`mid.${++mid}`);

describe("POST /webhook", () => {
  it("stores a correctly signed body byte for byte and answers 200 after the ack", async () => {
    const body = nextBody();
    const res = await post(body, metaWebhookHeaders(body, APP_SECRET));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("EVENT_RECEIVED");
    const last = (await stored()).at(-1)!;
    expect(Buffer.from(last.raw.body, "base64").toString()).toBe(body);
    expect(last.raw.id).toBe(createHash("sha256").update(body).digest("hex"));
    expect(last.headers["Nats-Msg-Id"]).toEqual([last.raw.id]);
    expect(last.raw).toMatchObject({
      v: 1,
      signedWith: "app",
      headers: { "user-agent": "facebookexternalua", "facebook-api-version": "v23.0" },
    });
    expect(last.raw.headerNames).toContain("x-hub-signature-256");
    expect(JSON.stringify(last.raw)).not.toContain(metaWebhookHeaders(body, APP_SECRET)["x-hub-signature-256"]);
  });

  it("stores the same body posted twice once, and answers 200 both times", async () => {
    const before = (await stored()).length;
    const body = nextBody();
    const first = await post(body, metaWebhookHeaders(body, APP_SECRET));
    const second = await post(body, metaWebhookHeaders(body, APP_SECRET));
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect((await stored()).length).toBe(before + 1);
  });

  it("verifies raw non-ASCII bytes and bodies signed with the Instagram app secret", async () => {
    const body = Buffer.from(instagramTextWebhook(`mid.${++mid}`, "Grüße aus Köln 👋"), "utf8");
    const res = await post(body, metaWebhookHeaders(body, INSTAGRAM_APP_SECRET));
    expect(res.statusCode).toBe(200);
    const last = (await stored()).at(-1)!;
    expect(Buffer.from(last.raw.body, "base64").equals(body)).toBe(true);
    expect(last.raw.signedWith).toBe("instagram");
  });

  it.each([
    ["unsigned", (_b: string) => ({}), 401, "IGDM_ERR_SIGNATURE_MISSING"],
    ["signed with the wrong secret", (b: string) => sig("wrong-secret", b), 403, "IGDM_ERR_SIGNATURE_INVALID"],
    [
      "with a truncated signature",
      (b: string) => ({ "x-hub-signature-256": sig(APP_SECRET, b)["x-hub-signature-256"].slice(0, 50) }),
      403,
      "IGDM_ERR_SIGNATURE_MALFORMED",
    ],
    [
      "signed over re-serialised JSON",
      (b: string) => sig(APP_SECRET, JSON.stringify(JSON.parse(b), null, 1)),
      403,
      "IGDM_ERR_SIGNATURE_INVALID",
    ],
    [
      "with only the legacy sha1 signature",
      (_b: string) => ({ "x-hub-signature": "sha1=0123456789abcdef0123456789abcdef01234567" }),
      401,
      "IGDM_ERR_SIGNATURE_MISSING",
    ],
  ])("rejects a body %s and publishes nothing", async (_, signature, status, code) => {
    const before = (await stored()).length;
    const body = nextBody();
    const res = await post(body, { "content-type": "application/json", ...signature(body) });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect((await stored()).length).toBe(before);
    expect(ingress.sink.available).toBe(true);
  });

  it("answers 413 to a body over the limit, 415 to a non-JSON content type and 400 to an empty body, without stack traces", async () => {
    const before = (await stored()).length;
    const big = JSON.stringify({ object: "instagram", pad: "x".repeat(70 * 1024) });
    const tooBig = await post(big, metaWebhookHeaders(big, APP_SECRET));
    const body = nextBody();
    const wrongType = await post(body, { ...metaWebhookHeaders(body, APP_SECRET), "content-type": "text/plain" });
    const empty = await post("", metaWebhookHeaders("", APP_SECRET));
    expect([tooBig.statusCode, wrongType.statusCode, empty.statusCode]).toEqual([413, 415, 400]);
    for (const res of [tooBig, wrongType, empty]) {
      expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/);
      expect(res.json().error.code).toEqual(expect.any(String));
    }
    expect((await stored()).length).toBe(before);
  });
});

function sig(secret: string, body: string) {
  return { "x-hub-signature-256": signatureHeaderValue(secret, body) };
}

describe("GET /webhook (Meta's handshake)", () => {
  const handshake = (query: string) => ingress.app.inject({ method: "GET", url: `/webhook?${query}` });

  it("echoes the challenge as plain text when mode and token match", async () => {
    const res = await handshake("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=test-verify-token");
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("1158201444");
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
  });

  it.each([
    ["a wrong token", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope"],
    ["a wrong mode", "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=test-verify-token"],
    ["no parameters", ""],
    ["a challenge carrying markup", "hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=test-verify-token"],
  ])("answers 403 to %s", async (_, query) => {
    expect((await handshake(query)).statusCode).toBe(403);
  });
});

describe("health", () => {
  it("reports liveness, readiness and what was counted", async () => {
    const health = await ingress.app.inject({ method: "GET", url: "/health" });
    expect(health.statusCode).toBe(200);
    expect(health.json().webhooks.accepted).toBeGreaterThan(0);
    expect(health.json().webhooks.rejected.signature_mismatch).toBeGreaterThan(0);
    expect((await ingress.app.inject({ method: "GET", url: "/ready" })).json()).toEqual({ status: "ready" });
  });
});
