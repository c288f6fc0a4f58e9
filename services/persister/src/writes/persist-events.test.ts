import type { DomainEvent } from "@igdm/contracts";
import { TransientError } from "@igdm/runtime";
import { describe, expect, it } from "vitest";
import { classifyDbError } from "../db-errors.js";
import { useEventsDatabase } from "../testing/events-database.js";
import { ACCOUNT, at, dumpTables, ev, TABLE_KEYS, truncateTables, USER, withoutTimes } from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";

const db = useEventsDatabase();

/** One event of every kind, plus an edit, an unsend and a reaction of the same message. */
function mixedBatch(): DomainEvent[] {
  return [
    ev.message("mid.1", { at: 0, attachments: [{ type: "image", url: "https://cdn.example/1.jpg" }] }),
    ev.message("mid.2", { at: 10 }),
    ev.edited("mid.2", 1, { at: 20 }),
    ev.deleted("mid.3", { at: 30 }),
    ev.reaction("mid.1", "react", { at: 40 }),
    ev.read("mid.1", { at: 50 }),
    ev.postback("START", { at: 60 }),
    ev.referral("summer", { at: 70 }),
    ev.comment("18000000000000001", { at: 80 }),
    ev.comment("18000000000000002", { at: 85, field: "live_comments" }),
    ev.mention("17900000000000009", { at: 90, commentId: "18000000000000003" }),
    ev.unrecognised("app-1", { at: 100 }),
  ];
}

async function count(table: string): Promise<number> {
  const [row] = await db.sql.unsafe(`select count(*)::int as n from ${table}`);
  return row!.n;
}

describe("persistEvents", () => {
  it("writes every kind to its table", async () => {
    await persistEvents(db.sql, mixedBatch());
    const t = await dumpTables(db.sql);

    expect(t.messages).toHaveLength(3);
    expect(t.messages![0]).toMatchObject({
      message_id: "mid.1",
      sender_id: USER,
      recipient_id: ACCOUNT,
      ig_id: ACCOUNT,
      page_id: null,
      direction: "inbound",
      is_echo: false,
      text: "text of mid.1",
      attachments: [{ type: "image", url: "https://cdn.example/1.jpg" }],
      sent_at: new Date(at(0)),
    });
    expect(t.messages![1]).toMatchObject({ message_id: "mid.2", text: "edit 1", edit_count: 1 });
    expect(t.messages![2]).toMatchObject({ message_id: "mid.3", is_deleted: true, deleted_at: new Date(at(30)) });
    expect(t.message_reactions).toEqual([
      expect.objectContaining({ message_id: "mid.1", reactor_id: USER, action: "react", emoji: "\u2764\ufe0f" }),
    ]);
    expect(t.message_reads).toEqual([
      expect.objectContaining({
        message_id: "mid.1",
        reader_id: USER,
        account_id: ACCOUNT,
        occurred_at: new Date(at(50)),
      }),
    ]);
    expect(t.postbacks).toEqual([expect.objectContaining({ payload: "START", title: "Yes", sender_id: USER })]);
    expect(t.referrals).toEqual([
      expect.objectContaining({ ref: "summer", ad_id: "120200000000", ads_context_data: { ad_title: "Sale" } }),
    ]);
    expect(t.comments!.map((c) => [c.comment_id, c.field])).toEqual([
      ["18000000000000001", "comments"],
      ["18000000000000002", "live_comments"],
    ]);
    expect(t.mentions).toEqual([
      expect.objectContaining({ media_id: "17900000000000009", comment_id: "18000000000000003" }),
    ]);
    expect(t.unrecognised_events).toEqual([
      expect.objectContaining({
        event_id: "unrecognised:app-1",
        raw: { sender: { id: USER }, pass_thread_control: { new_owner_app_id: "app-1" } },
        source: expect.objectContaining({ webhookId: "ab".repeat(32), streamSeq: 1 }),
      }),
    ]);
  });

  it("changes nothing, not even updated_at, when the same batch is replayed 5 times", async () => {
    const batch = mixedBatch();
    await persistEvents(db.sql, batch);
    const first = await dumpTables(db.sql);
    for (let i = 0; i < 5; i++) await persistEvents(db.sql, batch);
    expect(await dumpTables(db.sql)).toEqual(first);
  });

  it("ends in the same rows whatever order and batching the events come in", async () => {
    const batch = mixedBatch();
    await persistEvents(db.sql, batch);
    const inOneBatch = withoutTimes(await dumpTables(db.sql));

    await truncateTables(db.sql);
    for (const e of [...batch].reverse()) await persistEvents(db.sql, [e]);
    await persistEvents(db.sql, [...batch.slice(6), ...batch.slice(0, 6)]);
    expect(withoutTimes(await dumpTables(db.sql))).toEqual(inOneBatch);
  });

  it("accepts duplicates of one key inside a batch and keeps the right winner", async () => {
    const batch = [
      ...mixedBatch(),
      ...mixedBatch(),
      ev.edited("mid.2", 3, { at: 300 }),
      ev.edited("mid.2", 2, { at: 400 }),
      ev.deleted("mid.3", { at: 25 }),
      ev.deleted("mid.3", { at: 35 }),
      ev.reaction("mid.1", "unreact", { at: 45 }),
      ev.reaction("mid.1", "react", { at: 41, emoji: "\u{1f602}" }),
      ev.comment("18000000000000001", { at: 95, text: "edited comment" }),
      ev.comment("18000000000000001", { at: 81, text: "older" }),
    ];
    await persistEvents(db.sql, batch);
    const t = await dumpTables(db.sql);
    expect(t.messages![1]).toMatchObject({ text: "edit 3", edit_count: 3, edited_at: new Date(at(300)) });
    expect(t.messages![2]).toMatchObject({ deleted_at: new Date(at(25)) });
    expect(t.message_reactions).toEqual([
      expect.objectContaining({ action: "unreact", occurred_at: new Date(at(45)) }),
    ]);
    expect(t.comments![0]).toMatchObject({ text: "edited comment", occurred_at: new Date(at(95)) });
    for (const table of Object.keys(TABLE_KEYS)) {
      expect(await count(table), table).toBe({ messages: 3, comments: 2 }[table] ?? 1);
    }
  });

  it("writes 1000 message events in one call", async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => ev.message(`mid.bulk.${i}`, { at: i }));
    await persistEvents(db.sql, batch);
    expect(await count("messages")).toBe(1000);
    const [last] = await db.sql`select text, sent_at from messages where message_id = 'mid.bulk.999'`;
    expect(last).toEqual({ text: "text of mid.bulk.999", sent_at: new Date(at(999)) });
  });

  it("does nothing for an empty batch", async () => {
    await persistEvents(db.sql, []);
    expect(await count("messages")).toBe(0);
  });

  it("stores text jsonb cannot hold (NUL, lone surrogates) with U+FFFD instead of failing the batch", async () => {
    await persistEvents(db.sql, [
      ev.message("mid.nul", { text: "a\u0000b \ud800 c\udc00 \u{1f600}" }),
      ev.unrecognised("nul", { raw: { weird: "x\u0000y" } }),
    ]);
    const [m] = await db.sql`select text from messages`;
    expect(m!.text).toBe("a\ufffdb \ufffd c\ufffd \u{1f600}");
    const [u] = await db.sql`select raw from unrecognised_events`;
    expect(u!.raw).toEqual({ weird: "x\ufffdy" });
  });

  it("writes the whole batch or nothing, and a missing table is a transient error", async () => {
    await db.sql`alter table mentions rename to mentions_moved`;
    try {
      const failure = await persistEvents(db.sql, mixedBatch()).catch((e: unknown) => e);
      expect(classifyDbError(failure)).toBeInstanceOf(TransientError);
      expect(await count("messages")).toBe(0);
    } finally {
      await db.sql`alter table mentions_moved rename to mentions`;
    }
  });
});
