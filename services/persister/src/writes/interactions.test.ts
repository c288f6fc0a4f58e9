import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { ACCOUNT, at, ev, USER } from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";

const db = useEventsDatabase();

describe("reads, postbacks and referrals", () => {
  it("stores one row per read event, however often each is delivered", async () => {
    const reads = [ev.read("mid.1", { at: 10 }), ev.read("mid.1", { at: 20 }), ev.read("mid.2", { at: 30 })];
    await persistEvents(db.sql, [...reads, ...reads]);
    await persistEvents(db.sql, reads.reverse());
    const rows = await db.sql`select message_id, reader_id, recipient_id, occurred_at from message_reads order by 4`;
    expect(rows).toEqual([
      { message_id: "mid.1", reader_id: USER, recipient_id: ACCOUNT, occurred_at: new Date(at(10)) },
      { message_id: "mid.1", reader_id: USER, recipient_id: ACCOUNT, occurred_at: new Date(at(20)) },
      { message_id: "mid.2", reader_id: USER, recipient_id: ACCOUNT, occurred_at: new Date(at(30)) },
    ]);
  });

  it("stores a postback without a mid and a referral with only a ref", async () => {
    const postback = { ...ev.postback("GET_STARTED"), mid: undefined };
    const referral = { ...ev.referral("link"), referral: { ref: "link" } };
    await persistEvents(db.sql, [postback, referral, postback, referral]);
    expect(await db.sql`select message_id, payload, title from postbacks`).toEqual([
      { message_id: null, payload: "GET_STARTED", title: "Yes" },
    ]);
    expect(await db.sql`select ref, source, ad_id, ads_context_data from referrals`).toEqual([
      { ref: "link", source: null, ad_id: null, ads_context_data: null },
    ]);
  });
});
