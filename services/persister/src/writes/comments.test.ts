import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { ACCOUNT, at, ev, USER } from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";

const db = useEventsDatabase();

describe("comments", () => {
  it("keeps the newest event per comment id; a late older one changes nothing, not even updated_at", async () => {
    await persistEvents(db.sql, [ev.comment("c1", { at: 20, text: "newer" })]);
    const [before] = await db.sql`select * from comments`;
    await persistEvents(db.sql, [ev.comment("c1", { at: 10, text: "older" })]);
    const [after] = await db.sql`select * from comments`;
    expect(after).toEqual(before);
    expect(after).toMatchObject({
      comment_id: "c1",
      account_id: ACCOUNT,
      object: "instagram",
      field: "comments",
      text: "newer",
      from_id: USER,
      from_username: "someone",
      media_id: "17900000000000001",
      media_product_type: "FEED",
      parent_id: null,
      occurred_at: new Date(at(20)),
      event_id: "comment:c1:20",
    });

    await persistEvents(db.sql, [ev.comment("c1", { at: 30, text: "newest" })]);
    const [latest] = await db.sql`select text, occurred_at from comments`;
    expect(latest).toEqual({ text: "newest", occurred_at: new Date(at(30)) });
  });

  it("stores live comments and replies with their parent", async () => {
    const reply = ev.comment("c2", { field: "live_comments" });
    await persistEvents(db.sql, [{ ...reply, parentId: "c1" }]);
    const [row] = await db.sql`select field, parent_id from comments`;
    expect(row).toEqual({ field: "live_comments", parent_id: "c1" });
  });
});

describe("mentions", () => {
  it("stores caption and comment mentions once each", async () => {
    const batch = [ev.mention("m1"), ev.mention("m2", { commentId: "c9" })];
    await persistEvents(db.sql, [...batch, ...batch]);
    await persistEvents(db.sql, batch);
    const rows = await db.sql`select media_id, comment_id, account_id from mentions order by media_id`;
    expect(rows).toEqual([
      { media_id: "m1", comment_id: null, account_id: ACCOUNT },
      { media_id: "m2", comment_id: "c9", account_id: ACCOUNT },
    ]);
  });
});
