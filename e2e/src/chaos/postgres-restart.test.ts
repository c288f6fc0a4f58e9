import { type PostgresServerHandle, startPostgresServer, waitFor } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChaosStack, startChaosStack } from "./chaos-stack.js";

const TOTAL = 2000;
const PREFIX = "mid.chaos.pg.";
let postgres: PostgresServerHandle;
let stack: ChaosStack;

beforeAll(async () => {
  // The test's own PostgreSQL cluster: stopping it disturbs no other test.
  postgres = await startPostgresServer();
  stack = await startChaosStack({ databaseServer: postgres.url });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await postgres?.dispose();
});

describe("PostgreSQL crashing (immediate stop) and restarting while the persister consumes", () => {
  it("stores every acknowledged webhook exactly once after recovery and answers every person once", async () => {
    const load = stack.load(PREFIX, { total: TOTAL });
    await load.reached(TOTAL * 0.3);
    await postgres.stop("immediate");
    // The persister noticed (its readiness names the database), and the rest of the load arrives meanwhile:
    // ingress does not need the database, so webhooks keep being acknowledged while it is down.
    const ready = `${stack.pipeline.opsUrl("persister")}/ready`;
    await waitFor(async () => (await fetch(ready)).status === 503, { what: "the persister to see the outage" });
    const deliveries = await load.done;
    await postgres.start();
    await stack.settle();

    const report = await stack.check("PostgreSQL immediate stop and restart", deliveries, { midPrefix: PREFIX });
    expect(await stack.leakedSecrets()).toEqual([]);
    expect(report.acknowledged).toBe(TOTAL);
    expect(report.events).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(report.replies).toMatchObject({
      expected: TOTAL,
      atMeta: TOTAL,
      lost: 0,
      duplicated: 0,
      deliveredButRecordedFailed: 0,
    });
    // The outage was real: the server went through crash recovery.
    expect(postgres.log()).toMatch(/database system was (interrupted|not properly shut down)/);
  });
});
