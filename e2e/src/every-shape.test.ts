import { instagramFixtures, waitFor } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasRowFor, rowCounts, sha256 } from "./expected-rows.js";
import { type Pipeline, startPipeline } from "./pipeline.js";

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline();
});
afterAll(() => pipeline?.stop());

describe("every Instagram webhook shape, through ingress, normalizer and persister", () => {
  it.each(Object.entries(instagramFixtures))("%s lands in its tables", async (_, fixture) => {
    const body = JSON.stringify(fixture.body);
    expect(await pipeline.post(body)).toBe(200);
    const webhookId = sha256(body);
    await waitFor(
      async () => {
        const logged = await pipeline.db.sql`select 1 from webhook_logs where id = ${webhookId}`;
        if (logged.length !== 1) return false;
        for (const e of fixture.expected) if (!(await hasRowFor(pipeline.db, e, webhookId))) return false;
        return true;
      },
      { what: `rows for ${fixture.expected.map((e) => e.id).join(", ")}` },
    );
  });

  it("stored the raw log of every delivery, byte for byte", async () => {
    const bodies = Object.values(instagramFixtures).map((f) => JSON.stringify(f.body));
    const rows = await pipeline.db.sql<{ id: string; raw: Buffer }[]>`select id, raw from webhook_logs`;
    expect(rows.length).toBe(new Set(bodies).size);
    for (const r of rows) expect(sha256(r.raw)).toBe(r.id);
    expect((await rowCounts(pipeline.db)).unrecognised_events).toBeGreaterThan(0);
  });
});
