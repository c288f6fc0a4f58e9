import { createHash } from "node:crypto";
import { RawWebhook } from "@igdm/contracts";
import { metricsRegistry } from "@igdm/runtime";
import { parsePrometheusText } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "./testing/events-database.js";
import { ev } from "./testing/test-events.js";
import { persistEvents } from "./writes/persist-events.js";
import { persistWebhookLogs } from "./writes/webhook-logs.js";

const db = useEventsDatabase();
const scrape = async () => parsePrometheusText(await metricsRegistry.metrics());
const delta = (before: Awaited<ReturnType<typeof scrape>>, after: typeof before, name: string, labels = {}) =>
  after.value(name, labels) - before.value(name, labels);

describe("persister metrics", () => {
  it("count committed events by kind and written rows by table, named from the statements", async () => {
    const before = await scrape();
    await persistEvents(db.sql, [
      ev.message("mid.m1", { at: 0 }),
      ev.message("mid.m2", { at: 1 }),
      ev.reaction("mid.m1", "react", { at: 2 }),
      ev.read("mid.m1", { at: 3 }),
      ev.comment("18000000000000001", { at: 4 }),
      ev.unrecognised("app-1", { at: 5 }),
    ]);
    const after = await scrape();
    expect(delta(before, after, "igdm_events_persisted_total", { kind: "message" })).toBe(2);
    expect(delta(before, after, "igdm_events_persisted_total", { kind: "reaction" })).toBe(1);
    expect(delta(before, after, "igdm_rows_written_total", { table: "messages" })).toBe(2);
    expect(delta(before, after, "igdm_rows_written_total", { table: "message_reactions" })).toBe(1);
    expect(delta(before, after, "igdm_rows_written_total", { table: "message_reads" })).toBe(1);
    expect(delta(before, after, "igdm_rows_written_total", { table: "comments" })).toBe(1);
    expect(delta(before, after, "igdm_rows_written_total", { table: "unrecognised_events" })).toBe(1);
    expect(after.has("igdm_rows_written_total", { table: "other" })).toBe(false);
  });

  it("count webhook_logs rows actually inserted: a redelivery adds none", async () => {
    const bytes = Buffer.from('{"object":"instagram","entry":[]}');
    const raw = RawWebhook.parse({
      v: 1,
      id: createHash("sha256").update(bytes).digest("hex"),
      requestId: "req-metrics",
      receivedAt: "2026-11-28T10:00:00.000Z",
      signedWith: "app",
      headers: {},
      headerNames: [],
      body: bytes.toString("base64"),
    });
    const before = await scrape();
    await persistWebhookLogs(db.sql, [{ raw, streamSeq: 1 }]);
    await persistWebhookLogs(db.sql, [{ raw, streamSeq: 1 }]);
    const after = await scrape();
    expect(delta(before, after, "igdm_rows_written_total", { table: "webhook_logs" })).toBe(1);
  });
});
