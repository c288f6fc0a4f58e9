import { waitFor } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceName } from "../pipeline.js";
import { type ChaosStack, startChaosStack } from "./chaos-stack.js";

const TOTAL = 2000;
const PREFIX = "mid.chaos.kill.";
let stack: ChaosStack;

beforeAll(async () => {
  stack = await startChaosStack({
    // A refresh pass every two seconds over every token (the sandbox's last 60 days): token-refresher is always busy.
    env: { REFRESH_INTERVAL_SECONDS: "2", REFRESH_LEAD_DAYS: "90" },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** The durable whose unacknowledged messages show a worker is mid-batch. */
const BUSY_WITH = {
  normalizer: "normalizer",
  persister: "persisterEvents",
  responder: "responderMessages",
} as const;

/** SIGKILL the service's process while it holds unacknowledged messages, then start a new one. */
async function killMidBatch(name: ServiceName): Promise<void> {
  const { pipeline } = stack;
  const victim = pipeline.processes.find((p) => p.name === name && p.child.exitCode === null);
  if (!victim) throw new Error(`no running ${name}`);
  const durable = BUSY_WITH[name as keyof typeof BUSY_WITH];
  if (durable)
    await waitFor(async () => (await stack.ackPending(durable)) > 0, { intervalMs: 5, what: `${name} mid-batch` });
  await victim.kill();
  await pipeline.spawn(name);
}

describe("each service SIGKILLed mid-batch and restarted, under load", () => {
  it("loses no event, stores none twice, and answers every person exactly once", async () => {
    const load = stack.load(PREFIX, { total: TOTAL, concurrency: 24 });
    // Ingress too: requests in flight get no answer, and Meta's retries must not store anything twice.
    const victims: ServiceName[] = ["ingress", "normalizer", "persister", "responder", "token-refresher"];
    for (const [i, name] of victims.entries()) {
      await load.reached((TOTAL * (i + 1)) / (victims.length + 1));
      await killMidBatch(name);
    }
    const refresherRestartedAt = new Date();
    const deliveries = await load.done;
    // Messages the dead processes held come back after their ack_wait: settling waits for them.
    await stack.settle();

    const report = await stack.check(
      "ingress, normalizer, persister, responder, token-refresher SIGKILLed mid-batch",
      deliveries,
      { midPrefix: PREFIX },
    );
    expect(await stack.leakedSecrets()).toEqual([]);
    expect(report.acknowledged).toBe(TOTAL);
    expect(report.retried).toBeGreaterThan(0);
    expect(report.events).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(report.replies).toMatchObject({ expected: TOTAL, lost: 0, duplicated: 0 });
    // A responder killed during its Send API call leaves an outcome nobody can know; the send is reported failed
    // and never retried. Every other person has their reply.
    expect(report.replies!.atMeta + report.replies!.outcomeUnknown).toBe(TOTAL);

    // The new token-refresher took over the refresh pass (and its lease) from the killed one.
    await waitFor(
      async () =>
        (
          await stack.pipeline.db.sql`
          select 1 from token_logs where event = 'refreshed' and created_at > ${refresherRestartedAt}`
        ).length > 0,
      { timeoutMs: 60_000, what: "a refresh by the restarted token-refresher" },
    );
    const invalid = await stack.pipeline.db.sql`select id from pages where token_status <> 'valid'`;
    expect(invalid).toHaveLength(0);
  });
});
