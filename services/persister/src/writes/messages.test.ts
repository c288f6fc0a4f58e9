import type { DomainEvent } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { ACCOUNT, at, ev, permutations, USER } from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";

const db = useEventsDatabase();

type Scenario = (mid: string) => DomainEvent[];

/**
 * Applies every order of the scenario's events, each permutation on its own mid: once one event per call (every
 * call a separate transaction), once as a single batch, then replays everything backwards. Returns the message
 * rows (without the mid and the database's own times), which must all be equal.
 */
async function everyOrder(scenario: Scenario): Promise<Record<string, unknown>[]> {
  const orders = permutations(scenario("x").map((_, i) => i));
  const perMid = orders.map((order, p) => {
    const events = scenario(`mid.p${p}`);
    return order.map((i) => events[i]!);
  });
  for (let step = 0; step < perMid[0]!.length; step++) {
    await persistEvents(
      db.sql,
      perMid.map((events) => events[step]!),
    );
  }
  const batched = orders.map((order, p) => {
    const events = scenario(`mid.b${p}`);
    return order.map((i) => events[i]!);
  });
  for (const events of batched) await persistEvents(db.sql, events);
  await persistEvents(db.sql, [...perMid, ...batched].flat().reverse());

  const rows = await db.sql`
    select * from messages where message_id like 'mid.p%' or message_id like 'mid.b%' order by message_id`;
  expect(rows).toHaveLength(orders.length * 2);
  return rows.map(({ message_id: _m, created_at: _c, updated_at: _u, ...rest }) => rest);
}

/** Every row equals the first, which must match `expected`. */
function expectAllEqual(rows: Record<string, unknown>[], expected: Record<string, unknown>): void {
  expect(rows[0]).toMatchObject(expected);
  for (const row of rows) expect(row).toEqual(rows[0]);
}

const photo = [{ type: "image", url: "https://cdn.example/p.jpg" }];

describe("message, edit and unsend in any order", () => {
  it("edits win over the message's text whatever the order; the highest num_edit wins", async () => {
    const rows = await everyOrder((mid) => [
      ev.message(mid, { at: 0, attachments: photo }),
      ev.edited(mid, 1, { at: 10 }),
      ev.edited(mid, 2, { at: 20 }),
    ]);
    expectAllEqual(rows, {
      text: "edit 2",
      attachments: photo,
      edit_count: 2,
      edited_at: new Date(at(20)),
      sender_id: USER,
      recipient_id: ACCOUNT,
      ig_id: ACCOUNT,
      direction: "inbound",
      sent_at: new Date(at(0)),
      is_deleted: false,
    });
  });

  it("an unsend clears text and attachments for good, even when message and edits arrive after it", async () => {
    const rows = await everyOrder((mid) => [
      ev.message(mid, { at: 0, attachments: photo, quickReplyPayload: "YES" }),
      ev.edited(mid, 1, { at: 10 }),
      ev.edited(mid, 2, { at: 20 }),
      ev.deleted(mid, { at: 30 }),
    ]);
    expectAllEqual(rows, {
      text: null,
      attachments: [],
      is_deleted: true,
      deleted_at: new Date(at(30)),
      edit_count: 2,
      edited_at: new Date(at(20)),
      quick_reply_payload: "YES",
      sender_id: USER,
      direction: "inbound",
      sent_at: new Date(at(0)),
    });
  });

  it("keeps the earliest unsend time when the unsend is delivered twice", async () => {
    const rows = await everyOrder((mid) => [
      ev.deleted(mid, { at: 50 }),
      ev.message(mid, { at: 0 }),
      ev.deleted(mid, { at: 40 }),
    ]);
    expectAllEqual(rows, { is_deleted: true, deleted_at: new Date(at(40)), text: null });
  });

  it("an edit gives text to a message that had only an attachment", async () => {
    const rows = await everyOrder((mid) => [
      ev.message(mid, { at: 0, text: undefined, attachments: photo }),
      ev.edited(mid, 1, { at: 10, text: "caption" }),
    ]);
    expectAllEqual(rows, { text: "caption", attachments: photo, edit_count: 1 });
  });

  it("a reaction before, between or after message and unsend leaves both rows right", async () => {
    const rows = await everyOrder((mid) => [
      ev.reaction(mid, "react", { at: 5 }),
      ev.message(mid, { at: 0 }),
      ev.deleted(mid, { at: 30 }),
    ]);
    expectAllEqual(rows, { is_deleted: true, text: null, sender_id: USER, direction: "inbound" });
    const reactions = await db.sql`select distinct action, emoji, occurred_at from message_reactions`;
    expect(reactions).toEqual([{ action: "react", emoji: "\u2764\ufe0f", occurred_at: new Date(at(5)) }]);
  });

  it("a lone edit or unsend creates a placeholder the message fills in later", async () => {
    await persistEvents(db.sql, [ev.edited("mid.e", 1, { at: 10 }), ev.deleted("mid.d", { at: 10 })]);
    const before = await db.sql`select message_id, text, direction, sent_at, is_deleted from messages order by 1`;
    expect(before).toEqual([
      { message_id: "mid.d", text: null, direction: null, sent_at: null, is_deleted: true },
      { message_id: "mid.e", text: "edit 1", direction: null, sent_at: null, is_deleted: false },
    ]);
    await persistEvents(db.sql, [ev.message("mid.e", { at: 0 }), ev.message("mid.d", { at: 0 })]);
    const after = await db.sql`select message_id, text, direction, sent_at, is_deleted from messages order by 1`;
    expect(after).toEqual([
      { message_id: "mid.d", text: null, direction: "inbound", sent_at: new Date(at(0)), is_deleted: true },
      { message_id: "mid.e", text: "edit 1", direction: "inbound", sent_at: new Date(at(0)), is_deleted: false },
    ]);
  });
});

describe("echoes and accounts", () => {
  it("merges an echo into the row of our own send without blanking what it already knew", async () => {
    // What a send record stores before Meta's echo arrives with the same mid.
    await db.sql`
      insert into messages (message_id, sender_id, recipient_id, ig_id, direction, text, quick_reply_payload, sent_at)
      values ('mid.sent', ${ACCOUNT}, ${USER}, ${ACCOUNT}, 'outbound', 'Thanks!', 'MENU', ${at(-100)})`;
    const echo = ev.message("mid.sent", {
      at: 0,
      senderId: ACCOUNT,
      recipientId: USER,
      direction: "outbound",
      isEcho: true,
      text: undefined,
      attachments: photo,
    });
    await persistEvents(db.sql, [echo]);
    const [row] = await db.sql`select * from messages`;
    expect(row).toMatchObject({
      sender_id: ACCOUNT,
      recipient_id: USER,
      direction: "outbound",
      is_echo: true,
      text: "Thanks!",
      quick_reply_payload: "MENU",
      attachments: photo,
      sent_at: new Date(at(0)),
    });
  });

  it("stores Meta's test event like any other message, under account 0", async () => {
    await persistEvents(db.sql, [ev.message("mid.test", { accountId: "0", isTest: true, recipientId: "0" })]);
    const [row] = await db.sql`select ig_id, page_id, text from messages`;
    expect(row).toEqual({ ig_id: "0", page_id: null, text: "text of mid.test" });
  });

  it("files Messenger traffic under page_id", async () => {
    await persistEvents(db.sql, [ev.message("mid.page", { object: "page", accountId: "1122334455" })]);
    const [row] = await db.sql`select ig_id, page_id from messages`;
    expect(row).toEqual({ ig_id: null, page_id: "1122334455" });
  });

  it("keeps reply_to, referral and the unsupported flag", async () => {
    const message = ev.message("mid.rich", {
      replyTo: { story: { id: "story-1", url: "https://cdn.example/s" } },
      referral: { ref: "r1", source: "ADS", adId: "42" },
      isUnsupported: true,
    });
    await persistEvents(db.sql, [message]);
    const [row] = await db.sql`select reply_to, referral, is_unsupported from messages`;
    expect(row).toEqual({
      reply_to: { story: { id: "story-1", url: "https://cdn.example/s" } },
      referral: { ref: "r1", source: "ADS", adId: "42" },
      is_unsupported: true,
    });
  });
});
