import { batchWebhook, type ServiceProcess, waitFor } from "@igdm/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { rowCounts } from "./expected-rows.js";
import { type Pipeline, startPipeline } from "./pipeline.js";
import { waitUntilSettled } from "./settle.js";

let pipeline: Pipeline | undefined;
afterAll(() => pipeline?.stop());

/** Events a persister replica wrote, from its own debug log ("batch handled" lines of one durable). */
function handledBy(p: ServiceProcess, consumer: string): number {
  return p
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg?: string; consumer?: string; handled?: number })
    .filter((l) => l.msg === "batch handled" && l.consumer === consumer)
    .reduce((sum, l) => sum + (l.handled ?? 0), 0);
}

describe("two persister replicas on one durable", () => {
  it("share the work and write every event exactly once", async () => {
    pipeline = await startPipeline({ services: ["ingress", "normalizer"], env: { LOG_LEVEL: "debug" } });
    const replicas = [await pipeline.spawn("persister"), await pipeline.spawn("persister")];
    const posts = Array.from({ length: 40 }, (_, i) => pipeline!.post(JSON.stringify(batchWebhook(5, 5, `rep${i}`))));
    expect(new Set(await Promise.all(posts))).toEqual(new Set([200]));

    await waitFor(async () => (await rowCounts(pipeline!.db)).messages === 1000, {
      timeoutMs: 60_000,
      what: "1000 rows",
    });
    await waitUntilSettled(pipeline.namespace);
    const perReplica = replicas.map((r) => handledBy(r, "persister-events"));
    expect(perReplica[0]! + perReplica[1]!).toBe(1000);
    expect(perReplica.every((n) => n > 0)).toBe(true);
    const logs = replicas.map((r) => handledBy(r, "persister-webhook-log"));
    expect(logs[0]! + logs[1]!).toBe(40);
    expect((await rowCounts(pipeline.db)).webhook_logs).toBe(40);
  });
});
