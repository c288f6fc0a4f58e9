import { parsePrometheusText } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { type OpsServer, startOpsServer } from "./ops-server.js";
import { notReady, type ReadinessResult, runReadinessChecks } from "./readiness.js";
import { counter, histogram } from "./registry.js";

const log = createLogger({ service: "test", level: "silent" });
let ready: () => Promise<ReadinessResult> = async () => ({ ready: true, checks: { nats: { ok: true } } });
let ops: OpsServer;

beforeAll(async () => {
  ops = await startOpsServer({ service: "ops-test", host: "127.0.0.1", port: 0, log, readiness: () => ready() });
});
afterAll(() => ops.close());

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${ops.url}${path}`, init);
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};

describe("ops server", () => {
  it("answers /health while the process runs", async () => {
    const res = await get("/health");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ status: "ok" });
  });

  it("says ready or not ready as its readiness function does, naming the failed checks", async () => {
    expect(await get("/ready")).toMatchObject({ status: 200 });
    expect(JSON.parse((await get("/ready")).text)).toEqual({ status: "ready", checks: { nats: { ok: true } } });

    ready = () =>
      runReadinessChecks({
        nats: async () => {},
        database: async () => {
          throw new Error("connect ECONNREFUSED for postgres://igdm:hunter2@db:5432/igdm");
        },
      });
    const down = await get("/ready");
    expect(down.status).toBe(503);
    const body = JSON.parse(down.text);
    expect(body.status).toBe("not_ready");
    expect(body.checks.nats).toEqual({ ok: true });
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.database.detail).toContain("ECONNREFUSED");
    expect(down.text).not.toContain("hunter2");

    ready = async () => notReady("nats", "connecting");
    expect((await get("/ready")).status).toBe(503);
  });

  it("bounds a readiness check that never answers", async () => {
    ready = () => runReadinessChecks({ nats: () => new Promise(() => {}) }, 100);
    const res = await get("/ready");
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text).checks.nats.detail).toMatch(/did not answer within 100 ms/);

    ready = () => new Promise(() => {});
    const server = await startOpsServer({
      service: "ops-test",
      host: "127.0.0.1",
      port: 0,
      log,
      readiness: () => ready(),
      readinessTimeoutMs: 100,
    });
    try {
      const hung = await fetch(`${server.url}/ready`);
      expect(hung.status).toBe(503);
      const body = (await hung.json()) as ReadinessResult;
      expect(body.checks.readiness?.ok).toBe(false);
    } finally {
      await server.close();
    }
  });

  it("serves /metrics as Prometheus text with the service label and the process metrics", async () => {
    const things = counter("igdm_ops_test_things_total", "Things counted by the test", ["kind"]);
    things.inc({ kind: "a" }, 2);
    // Get-or-create: asking again returns the same metric instead of throwing.
    counter("igdm_ops_test_things_total", "Things counted by the test", ["kind"]).inc({ kind: "a" });
    histogram("igdm_ops_test_seconds", "A test histogram").observe(0.2);

    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.type).toContain("text/plain");
    const m = parsePrometheusText(res.text);
    expect(m.value("igdm_ops_test_things_total", { kind: "a", service: "ops-test" })).toBe(3);
    expect(m.value("igdm_ops_test_seconds_count", { service: "ops-test" })).toBe(1);
    expect(m.has("process_cpu_user_seconds_total")).toBe(true);
    expect(m.has("nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("refuses a registration under another type, and names outside igdm_", () => {
    expect(() => histogram("igdm_ops_test_things_total", "clash")).toThrow(/another type/);
    expect(() => counter("things_total", "no prefix")).toThrow(/igdm_/);
  });

  it("answers 404 on other paths and 405 on other methods", async () => {
    expect((await get("/nope")).status).toBe(404);
    expect(JSON.parse((await get("/nope")).text)).toEqual({ error: "not found" });
    expect((await get("/metrics", { method: "POST" })).status).toBe(405);
    expect((await get("/health?probe=1")).status).toBe(200);
  });
});
