import { consumers, topology } from "@igdm/contracts";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import {
  connectSandboxAccount,
  type NatsServerHandle,
  type PrometheusText,
  parsePrometheusText,
  startNatsServer,
  startTcpProxy,
  type TcpProxy,
  waitFor,
} from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, type Pipeline, type ServiceName, startPipeline } from "./pipeline.js";
import { waitUntilSettled } from "./settle.js";

const SERVICES: ServiceName[] = ["ingress", "normalizer", "persister", "token-refresher", "responder"];

async function metrics(pipeline: Pipeline, name: ServiceName): Promise<PrometheusText> {
  const res = await fetch(`${pipeline.opsUrl(name)}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

async function ready(pipeline: Pipeline, name: ServiceName) {
  const res = await fetch(`${pipeline.opsUrl(name)}/ready`);
  return {
    status: res.status,
    body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> },
  };
}

/** Polls a service's /ready until its status code is `status`, and returns that answer. */
function readyBecomes(pipeline: Pipeline, name: ServiceName, status: 200 | 503, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const r = await ready(pipeline, name);
      return r.status === status ? r : undefined;
    },
    { timeoutMs, what: `${name} /ready ${status}` },
  );
}

describe("metrics on every service, moving as a webhook flows through", () => {
  let sandbox: MetaSandbox;
  let pipeline: Pipeline;

  beforeAll(async () => {
    sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
    pipeline = await startPipeline({ services: SERVICES, env: { ...sandbox.env, APP_SECRET } });
    await connectSandboxAccount(pipeline.ingressUrl, pipeline.db.sql);
    await waitUntilSettled(pipeline.namespace);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await sandbox?.close();
  });

  it("serves /health, /ready and Prometheus text with the service label on each ops port", async () => {
    for (const name of SERVICES) {
      const health = await fetch(`${pipeline.opsUrl(name)}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok" });
      const r = await readyBecomes(pipeline, name, 200);
      expect(r.body.status).toBe("ready");
      expect(r.body.checks.nats).toEqual({ ok: true });
      const m = await metrics(pipeline, name);
      expect(m.has("process_resident_memory_bytes", { service: name })).toBe(true);
      expect(m.has("nodejs_eventloop_lag_seconds", { service: name })).toBe(true);
    }
    expect((await ready(pipeline, "persister")).body.checks.database).toEqual({ ok: true });
    // ingress keeps its own /health and /ready on the public port.
    expect((await fetch(`${pipeline.ingressUrl}/ready`)).status).toBe(200);
    // The connect that set the stack up was counted by token-refresher.
    expect(
      (await metrics(pipeline, "token-refresher")).value("igdm_accounts_connected_total", { flow: "facebook" }),
    ).toBe(1);
  });

  it("counts one signed webhook at every stage: received, normalized, persisted, answered, acked", async () => {
    const before = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await metrics(pipeline, s)])));
    const at = Date.now();
    const body = JSON.stringify({
      object: "instagram",
      entry: [
        {
          id: SANDBOX_SHOP_IG_ID,
          time: at,
          messaging: [
            {
              sender: { id: "9100000000000777" },
              recipient: { id: SANDBOX_SHOP_IG_ID },
              timestamp: at,
              message: { mid: "mid.observability.1", text: "hello" },
            },
          ],
        },
      ],
    });
    expect(await pipeline.post(body)).toBe(200);
    await waitFor(async () => sandbox.state.sentMessages.some((m) => m.recipient === "9100000000000777"), {
      what: "the automatic reply at Meta",
    });
    await waitUntilSettled(pipeline.namespace);
    const after = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await metrics(pipeline, s)])));
    const delta = (s: ServiceName, name: string, labels: Record<string, string> = {}) =>
      after[s]!.value(name, labels) - before[s]!.value(name, labels);
    const durables = consumers(topology(pipeline.namespace));
    const acked = (s: ServiceName, durable: string) =>
      delta(s, "igdm_messages_processed_total", { durable, outcome: "ack" });

    expect(delta("ingress", "igdm_webhooks_received_total")).toBe(1);
    expect(delta("ingress", "igdm_webhooks_published_total", { result: "stored" })).toBe(1);
    expect(delta("ingress", "igdm_webhook_publish_duration_seconds_count")).toBe(1);

    expect(delta("normalizer", "igdm_events_normalized_total", { kind: "message" })).toBe(1);
    expect(acked("normalizer", durables.normalizer.config.durable_name)).toBe(1);
    expect(delta("normalizer", "igdm_message_latency_seconds_count", { durable: "normalizer" })).toBe(1);

    expect(delta("persister", "igdm_rows_written_total", { table: "webhook_logs" })).toBe(1);
    // The inbound message and, once the responder published reply_sent, the outbound one.
    expect(delta("persister", "igdm_events_persisted_total", { kind: "message" })).toBe(1);
    expect(delta("persister", "igdm_events_persisted_total", { kind: "reply_sent" })).toBe(1);
    expect(delta("persister", "igdm_rows_written_total", { table: "messages" })).toBeGreaterThanOrEqual(2);
    expect(delta("persister", "igdm_rows_written_total", { table: "outbound_sends" })).toBeGreaterThanOrEqual(1);
    expect(acked("persister", durables.persisterWebhookLog.config.durable_name)).toBe(1);
    expect(acked("persister", durables.persisterEvents.config.durable_name)).toBeGreaterThanOrEqual(2);

    expect(delta("responder", "igdm_replies_sent_total", { mode: "auto" })).toBe(1);
    expect(delta("responder", "igdm_replies_failed_total")).toBe(0);
    expect(acked("responder", durables.responderMessages.config.durable_name)).toBe(1);

    // Lag is read at scrape time: everything settled, so nothing is pending on any durable.
    for (const [s, durable] of [
      ["normalizer", durables.normalizer],
      ["persister", durables.persisterEvents],
      ["responder", durables.responderMessages],
    ] as const) {
      const labels = { stream: durable.stream, durable: durable.config.durable_name };
      expect(after[s]!.has("igdm_consumer_pending_messages", labels)).toBe(true);
      expect(after[s]!.value("igdm_consumer_pending_messages", labels)).toBe(0);
      expect(after[s]!.value("igdm_consumer_ack_pending_messages", labels)).toBe(0);
    }
  });
});

describe("readiness follows NATS and the database", () => {
  let nats: NatsServerHandle;
  let proxy: TcpProxy | undefined;
  let pipeline: Pipeline;

  beforeAll(async () => {
    nats = await startNatsServer();
    pipeline = await startPipeline({
      services: ["normalizer", "persister"],
      env: { NATS_URL: nats.url },
      databaseUrl: async (db) => {
        const url = new URL(db.url);
        proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
        url.hostname = "127.0.0.1";
        url.port = String(proxy.port);
        return url.toString();
      },
    });
  });
  afterAll(async () => {
    await nats?.restart().catch(() => {});
    await proxy?.restore().catch(() => {});
    await pipeline?.stop();
    await proxy?.close();
    await nats?.dispose();
  });

  it("is false while NATS is gone and true once it is back", async () => {
    for (const name of ["normalizer", "persister"] as const) await readyBecomes(pipeline, name, 200);
    await nats.stop();
    for (const name of ["normalizer", "persister"] as const) {
      const down = await readyBecomes(pipeline, name, 503);
      expect(down.body.status).toBe("not_ready");
      expect(down.body.checks.consumers?.ok).toBe(false);
    }
    await nats.restart();
    for (const name of ["normalizer", "persister"] as const) {
      const up = await readyBecomes(pipeline, name, 200, 30_000);
      expect(up.body.checks.consumers?.ok).toBe(true);
    }
  });

  it("is false on the persister while PostgreSQL is unreachable, and true once it is back", async () => {
    await readyBecomes(pipeline, "persister", 200);
    await proxy!.cut();
    const down = await readyBecomes(pipeline, "persister", 503);
    expect(down.body.checks.database?.ok).toBe(false);
    expect(down.body.checks.nats).toEqual({ ok: true });
    // The normalizer does not use the database.
    expect((await ready(pipeline, "normalizer")).status).toBe(200);
    await proxy!.restore();
    const up = await readyBecomes(pipeline, "persister", 200, 30_000);
    expect(up.body.checks.database).toEqual({ ok: true });
  });
});
