import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChaosStack, startChaosStack } from "./chaos-stack.js";

const TOTAL = 2000;
const PREFIX = "mid.chaos.nats.";
let stack: ChaosStack;

beforeAll(async () => {
  stack = await startChaosStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("NATS killed (SIGKILL) and restarted while ingress is under load", () => {
  it("loses no acknowledged webhook, stores none twice and replies to each person once", async () => {
    const load = stack.load(PREFIX, { total: TOTAL });
    await load.reached(TOTAL * 0.3);
    await stack.nats.kill();
    // Ingress keeps answering while the broker is gone: 503, so Meta retries later.
    await load.reached(TOTAL * 0.3 + 50);
    await stack.nats.restart();
    const deliveries = await load.done;
    // Acks sent while the broker was down are lost: those messages come back after their ack_wait and are
    // written again, harmlessly (idempotent upserts); settling waits for them.
    await stack.settle();

    const report = await stack.check("NATS SIGKILL and restart under load", deliveries, { midPrefix: PREFIX });
    expect(await stack.leakedSecrets()).toEqual([]);
    // The fault was felt: some deliveries were refused and retried, as Meta would.
    expect(deliveries.some((d) => d.statuses.some((s) => s !== 200))).toBe(true);
    expect(report.neverAcknowledged).toBe(0);
    expect(report.events).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(report.replies).toMatchObject({ expected: TOTAL, atMeta: TOTAL, lost: 0, duplicated: 0 });
  });
});
