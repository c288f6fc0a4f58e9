import { topology } from "@igdm/contracts";
import {
  connectTestNats,
  freePort,
  instagramTextWebhook,
  metaWebhookHeaders,
  type NatsServerHandle,
  readStream,
  startNatsServer,
  waitFor,
} from "@igdm/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { APP_SECRET, type IngressUnderTest, startIngress } from "../testing/ingress-harness.js";

// These tests stop, hang and restart a broker, so each runs its own nats-server, never the shared one.
let server: NatsServerHandle | undefined;
let ingress: IngressUnderTest | undefined;

afterEach(async () => {
  server?.resume();
  await ingress?.close();
  await server?.dispose();
  server = undefined;
  ingress = undefined;
});

const post = (body: string) =>
  ingress!.app.inject({
    method: "POST",
    url: "/webhook",
    payload: body,
    headers: metaWebhookHeaders(body, APP_SECRET),
  });

async function storedBodies(): Promise<string[]> {
  const nc = await connectTestNats(server!.url);
  try {
    const messages = await readStream(nc, topology(ingress!.namespace).streams.webhooks);
    return messages.map((m) => Buffer.from(m.json<{ body: string }>().body, "base64").toString());
  } finally {
    await nc.close();
  }
}

describe("ingress while NATS is away", () => {
  it("answers 503 at once while NATS is known to be down, and stores the next POST when it is back", async () => {
    server = await startNatsServer();
    ingress = await startIngress({ natsUrl: server.url });
    const before = instagramTextWebhook("mid.before");
    expect((await post(before)).statusCode).toBe(200);

    await server.stop();
    await waitFor(async () => !ingress!.sink.available, { what: "disconnect noticed" });
    const during = await post(instagramTextWebhook("mid.during"));
    expect(during.statusCode).toBe(503);
    // The fail-fast path, not a publish that waited for its timeout.
    expect(during.json().error.code).toBe("IGDM_ERR_BROKER_UNAVAILABLE");
    expect((await ingress.app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(503);
    expect((await ingress.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);

    await server.restart();
    await waitFor(async () => (await ingress!.sink.readiness()).ready, { what: "reconnected" });
    const after = instagramTextWebhook("mid.after");
    expect((await post(after)).statusCode).toBe(200);
    expect(await storedBodies()).toEqual([before, after]);
  });

  it("starts before NATS exists, answers 503, then 200 once NATS comes up", async () => {
    const port = await freePort();
    ingress = await startIngress({ natsUrl: `nats://127.0.0.1:${port}`, waitUntilReady: false });
    const early = await post(instagramTextWebhook("mid.early"));
    expect(early.statusCode).toBe(503);
    expect((await ingress.app.inject({ method: "GET", url: "/ready" })).json()).toMatchObject({ status: "not_ready" });

    server = await startNatsServer({ port });
    await waitFor(async () => (await ingress!.sink.readiness()).ready, { what: "connected", timeoutMs: 20_000 });
    const body = instagramTextWebhook("mid.late");
    expect((await post(body)).statusCode).toBe(200);
    expect(await storedBodies()).toEqual([body]);
  });

  it("answers 503 when a hung broker never acks, and Meta's retry after recovery is stored once", async () => {
    server = await startNatsServer();
    ingress = await startIngress({ natsUrl: server.url });
    const body = instagramTextWebhook("mid.hung");
    await server.pause();
    const res = await post(body);
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe("IGDM_ERR_PUBLISH_FAILED");

    server.resume();
    await waitFor(async () => (await ingress!.sink.readiness()).ready, { what: "broker answering again" });
    expect((await post(body)).statusCode).toBe(200);
    // The timed-out publish may or may not have landed; either way the body is stored exactly once.
    expect(await storedBodies()).toEqual([body]);
  });
});
