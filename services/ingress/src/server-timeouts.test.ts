import type { AddressInfo } from "node:net";
import { instagramTextWebhook, metaWebhookHeaders, sendRawHttp } from "@igdm/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requestTimeoutOptions } from "./server-timeouts.js";
import { APP_SECRET, type IngressUnderTest, startIngress } from "./testing/ingress-harness.js";

let ingress: IngressUnderTest;
let port: number;

beforeAll(async () => {
  ingress = await startIngress({ env: { REQUEST_TIMEOUT_MS: "500" } });
  await ingress.app.listen({ host: "127.0.0.1", port: 0 });
  port = (ingress.app.server.address() as AddressInfo).port;
});

afterAll(() => ingress?.close());

it("gives node a headers timeout no longer than the request timeout, and looks for expired requests often", () => {
  expect(ingress.app.server.requestTimeout).toBe(500);
  expect(ingress.app.server.headersTimeout).toBeLessThanOrEqual(500);
  expect(requestTimeoutOptions(10_000).http.connectionsCheckingInterval).toBe(1000);
  expect(requestTimeoutOptions(200).http.connectionsCheckingInterval).toBe(50);
});

it("answers 408 to a signed request whose body trickles in slower than the timeout (it used to be served)", async () => {
  const body = instagramTextWebhook("mid.slow");
  const headers = Object.entries({ ...metaWebhookHeaders(body, APP_SECRET), "content-length": String(body.length) });
  const head = ["POST /webhook HTTP/1.1", "Host: x", "Connection: close", ...headers.map(([k, v]) => `${k}: ${v}`)];
  const wire = Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`);
  // One byte every 100 ms: the body alone would take well over ten times the timeout.
  const res = await sendRawHttp(port, wire, {
    slow: { first: wire.length - body.length, size: 1, intervalMs: 100 },
    timeoutMs: 20_000,
  });
  expect(res.status).toBe(408);
  expect(res.sentAll).toBe(false);
});
