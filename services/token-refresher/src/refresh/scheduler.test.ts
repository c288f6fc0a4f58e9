import { createLogger } from "@igdm/runtime";
import { connectTestNats, uniqueNamespace, waitFor } from "@igdm/testkit";
import { jetstream } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { scheduleRefresh } from "./scheduler.js";

const log = createLogger({ service: "scheduler-test", level: "silent" });
// Windows far longer than a test: every test runs inside one, so a second pass can only come from a retry.
const HOUR_MS = 3_600_000;

let nc: NatsConnection;
let kvm: Kvm;
const buckets: string[] = [];
const schedulers: { stop(): Promise<void> }[] = [];

async function leaseBucket(): Promise<{ name: string; kv: KV }> {
  const name = `leases_${uniqueNamespace("sched")}`;
  buckets.push(name);
  return { name, kv: await kvm.create(name, { ttl: HOUR_MS, history: 1 }) };
}

function start(leases: KV, replicaId: string, pass: (runKey: string, now: Date) => Promise<unknown>) {
  const scheduler = scheduleRefresh({ leases, intervalMs: HOUR_MS, replicaId, log, pass, retryDelayMs: () => 100 });
  schedulers.push(scheduler);
  return scheduler;
}

const windowKey = () => `refresh-${Math.floor(Date.now() / HOUR_MS)}`;

beforeAll(async () => {
  nc = await connectTestNats();
  kvm = new Kvm(jetstream(nc));
});
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
});
afterAll(async () => {
  const jsm = await jetstream(nc).jetstreamManager();
  for (const b of buckets) await jsm.streams.delete(`KV_${b}`).catch(() => undefined);
  await nc.close();
});

describe("scheduleRefresh", () => {
  it("runs the pass once per window however many replicas race for it", async () => {
    const { kv } = await leaseBucket();
    const runs: string[] = [];
    for (const replica of ["a", "b", "c"]) start(kv, replica, async () => runs.push(replica));
    await waitFor(async () => (await kv.get(windowKey()))?.string(), { what: "the window's lease" });
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));
    expect(runs).toHaveLength(1);
    expect((await kv.get(windowKey()))?.string()).toBe(runs[0]);
  });

  it("gives the pass the time it runs at, not the time the service started", async () => {
    const { kv } = await leaseBucket();
    const seen: Date[] = [];
    let first = true;
    start(kv, "a", async (_key, now) => {
      seen.push(now);
      if (first) {
        first = false;
        throw new Error("persister not up yet");
      }
    });
    await waitFor(async () => seen.length === 2, { what: "the retried pass" });
    expect(seen[1]!.getTime()).toBeGreaterThan(seen[0]!.getTime());
  });

  it("retries a failed pass in the same window, releasing the lease so it is not given up for the day", async () => {
    const { kv } = await leaseBucket();
    const attempts: string[] = [];
    start(kv, "a", async (runKey) => {
      attempts.push(runKey);
      // No responders: what a refresher that starts before the persister gets.
      if (attempts.length < 3) throw new Error("no answer on persister.list-credentials: 503");
      return { checked: 0 };
    });
    await waitFor(async () => attempts.length === 3, { what: "the third attempt" });
    await waitFor(async () => (await kv.get(windowKey()))?.operation === "PUT", { what: "the lease held" });
    expect(new Set(attempts)).toEqual(new Set([windowKey()]));
    // The window now done: no attempt after the successful one.
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts).toHaveLength(3);
  });

  it("keeps trying when the lease itself cannot be written, and runs once the bucket answers again", async () => {
    const { name, kv } = await leaseBucket();
    const jsm = await jetstream(nc).jetstreamManager();
    await jsm.streams.delete(`KV_${name}`);
    let runs = 0;
    start(kv, "a", async () => {
      runs += 1;
    });
    // Several failed lease writes go by without a pass, then the bucket comes back.
    await new Promise((r) => setTimeout(r, 400));
    expect(runs).toBe(0);
    await kvm.create(name, { ttl: HOUR_MS, history: 1 });
    await waitFor(async () => runs === 1, { what: "the pass once the lease could be written" });
  });
});
