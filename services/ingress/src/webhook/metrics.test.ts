import { metricsRegistry } from "@igdm/runtime";
import {
  connectTestNats,
  deleteNamespaceStreams,
  instagramTextWebhook,
  metaWebhookHeaders,
  parsePrometheusText,
} from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, type IngressUnderTest, startIngress } from "../testing/ingress-harness.js";

let ingress: IngressUnderTest;
beforeAll(async () => {
  ingress = await startIngress({ env: { BODY_LIMIT_BYTES: String(16 * 1024) } });
});
afterAll(async () => {
  await ingress.close();
  const nc = await connectTestNats();
  await deleteNamespaceStreams(nc, ingress.namespace);
  await nc.close();
});

const scrape = async () => parsePrometheusText(await metricsRegistry.metrics());
const post = (body: string, headers: Record<string, string>) =>
  ingress.app.inject({ method: "POST", url: "/webhook", payload: body, headers });

describe("ingress metrics", () => {
  it("count received, published (stored or duplicate) and rejected webhooks by reason, and time the publish", async () => {
    const before = await scrape();
    const body = instagramTextWebhook("mid.metrics.1");
    expect((await post(body, metaWebhookHeaders(body, APP_SECRET))).statusCode).toBe(200);
    expect((await post(body, metaWebhookHeaders(body, APP_SECRET))).statusCode).toBe(200);
    expect((await post(body, { "content-type": "application/json" })).statusCode).toBe(401);
    expect((await post(body, metaWebhookHeaders(body, "another-secret"))).statusCode).toBe(403);
    const big = JSON.stringify({ pad: "x".repeat(20 * 1024) });
    expect((await post(big, metaWebhookHeaders(big, APP_SECRET))).statusCode).toBe(413);
    expect(
      (await post(body, { ...metaWebhookHeaders(body, APP_SECRET), "content-type": "text/plain" })).statusCode,
    ).toBe(415);
    const after = await scrape();
    const delta = (name: string, labels = {}) => after.value(name, labels) - before.value(name, labels);
    expect(delta("igdm_webhooks_received_total")).toBe(6);
    expect(delta("igdm_webhooks_published_total", { result: "stored" })).toBe(1);
    expect(delta("igdm_webhooks_published_total", { result: "duplicate" })).toBe(1);
    expect(delta("igdm_webhooks_rejected_total", { reason: "signature_missing" })).toBe(1);
    expect(delta("igdm_webhooks_rejected_total", { reason: "signature_mismatch" })).toBe(1);
    expect(delta("igdm_webhooks_rejected_total", { reason: "body_too_large" })).toBe(1);
    expect(delta("igdm_webhooks_rejected_total", { reason: "unsupported_media_type" })).toBe(1);
    expect(delta("igdm_webhook_publish_duration_seconds_count")).toBe(2);
    expect(delta("igdm_webhooks_unavailable_total")).toBe(0);
  });
});
