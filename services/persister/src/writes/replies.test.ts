import type { DomainEvent } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { ACCOUNT, at, dumpTables, ev, permutations, USER, withoutTimes } from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";

const db = useEventsDatabase();

async function send(id: string) {
  const [row] = await db.sql`select * from outbound_sends where id = ${id}`;
  return row;
}

async function message(mid: string) {
  const rows = await db.sql`select * from messages where message_id = ${mid}`;
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** Meta's echo of a message we sent: outbound, from our account to the user. */
const echo = (mid: string, o: { at?: number; text?: string } = {}) =>
  ev.message(mid, {
    at: o.at ?? 5,
    senderId: ACCOUNT,
    recipientId: USER,
    direction: "outbound",
    isEcho: true,
    text: o.text ?? "text of cmd.1",
  });

describe("reply events to outbound_sends", () => {
  it("send_requested queues the send", async () => {
    await persistEvents(db.sql, [ev.sendRequested("cmd.1", { at: 0, text: "Hello!" })]);
    expect(await send("cmd.1")).toMatchObject({
      account_id: ACCOUNT,
      recipient_id: USER,
      text: "Hello!",
      status: "queued",
      message_id: null,
      reason: null,
      requested_at: new Date(at(0)),
      sent_at: null,
    });
  });

  it("reply_sent marks it sent with Meta's message id, and writes the outbound message", async () => {
    await persistEvents(db.sql, [ev.sendRequested("cmd.1", { at: 0 })]);
    await persistEvents(db.sql, [ev.replySent("cmd.1", "mid.out.1", { at: 10, inReplyTo: "mid.in.1", ruleId: "r1" })]);
    expect(await send("cmd.1")).toMatchObject({
      status: "sent",
      message_id: "mid.out.1",
      sent_at: new Date(at(10)),
      requested_at: new Date(at(0)),
      in_reply_to: "mid.in.1",
      rule_id: "r1",
    });
    expect(await message("mid.out.1")).toMatchObject({
      direction: "outbound",
      is_echo: false,
      sender_id: ACCOUNT,
      recipient_id: USER,
      ig_id: ACCOUNT,
      text: "text of cmd.1",
      sent_at: new Date(at(10)),
    });
  });

  it("reply_failed records why, with Meta's codes", async () => {
    await persistEvents(db.sql, [
      ev.sendRequested("cmd.1", { at: 0 }),
      ev.replyFailed("cmd.1", { at: 10, reason: "user unavailable", errorCode: 551, errorSubcode: 1545041 }),
    ]);
    expect(await send("cmd.1")).toMatchObject({
      status: "failed",
      reason: "user unavailable",
      error_code: 551,
      error_subcode: 1545041,
      failed_at: new Date(at(10)),
      message_id: null,
    });
  });

  it("sent wins over failed and queued whatever the order; the newest failure's reason wins", async () => {
    await persistEvents(db.sql, [ev.replyFailed("cmd.1", { at: 10, errorCode: 10 })]);
    await persistEvents(db.sql, [ev.replySent("cmd.1", "mid.out.1", { at: 20 })]);
    await persistEvents(db.sql, [ev.replyFailed("cmd.1", { at: 30 }), ev.sendRequested("cmd.1", { at: 0 })]);
    expect(await send("cmd.1")).toMatchObject({
      status: "sent",
      message_id: "mid.out.1",
      reason: null,
      error_code: null,
      failed_at: null,
      requested_at: new Date(at(0)),
    });

    await persistEvents(db.sql, [ev.replyFailed("cmd.2", { at: 20, reason: "newer" })]);
    await persistEvents(db.sql, [ev.replyFailed("cmd.2", { at: 10, reason: "older" })]);
    await persistEvents(db.sql, [ev.sendRequested("cmd.2", { at: 0 })]);
    expect(await send("cmd.2")).toMatchObject({ status: "failed", reason: "newer", requested_at: new Date(at(0)) });
  });

  it("ends in the same rows for every order, one call per event or one batch", async () => {
    const scenario = (id: string): DomainEvent[] => [
      ev.sendRequested(id, { at: 0 }),
      ev.replyFailed(id, { at: 10, reason: "rate limited", errorCode: 4 }),
      ev.replySent(id, `mid.${id}`, { at: 20 }),
      ev.replyFailed(id, { at: 30 }),
    ];
    const orders = permutations([0, 1, 2, 3]);
    const results: unknown[] = [];
    for (const [p, order] of orders.entries()) {
      const events = scenario(`cmd.${p}`);
      for (const i of order) await persistEvents(db.sql, [events[i]!]);
      await persistEvents(
        db.sql,
        order.map((i) => scenario(`batch.${p}`)[i]!),
      );
    }
    const rows = await db.sql`select * from outbound_sends order by id`;
    expect(rows).toHaveLength(orders.length * 2);
    for (const { id, message_id, text, updated_at: _u, ...rest } of rows) {
      expect(message_id).toBe(`mid.${id}`);
      expect(text).toBe(`text of ${id}`);
      results.push(rest);
    }
    expect(results[0]).toMatchObject({ status: "sent", reason: null, requested_at: new Date(at(0)) });
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it("changes nothing, not even updated_at, when the same events are replayed", async () => {
    const batch = [
      ev.sendRequested("cmd.1", { at: 0 }),
      ev.replySent("cmd.1", "mid.out.1", { at: 10 }),
      ev.sendRequested("cmd.2", { at: 0 }),
      ev.replyFailed("cmd.2", { at: 10 }),
      ev.sendRequested("cmd.3", { at: 0 }),
      echo("mid.out.1", { at: 12 }),
    ];
    await persistEvents(db.sql, batch);
    const first = await dumpTables(db.sql);
    expect(first.outbound_sends!.map((s) => s.status)).toEqual(["sent", "failed", "queued"]);
    for (let i = 0; i < 3; i++) await persistEvents(db.sql, batch);
    for (const e of batch) await persistEvents(db.sql, [e]);
    expect(await dumpTables(db.sql)).toEqual(first);
  });
});

describe("reply_sent and its echo", () => {
  const sent = ev.replySent("cmd.1", "mid.out.1", { at: 0 });
  const expected = {
    direction: "outbound",
    is_echo: true,
    sender_id: ACCOUNT,
    recipient_id: USER,
    ig_id: ACCOUNT,
    text: "text of cmd.1",
    sent_at: new Date(at(5)),
  };

  it("merge into one row when the echo comes after the send", async () => {
    await persistEvents(db.sql, [sent]);
    await persistEvents(db.sql, [echo("mid.out.1")]);
    expect(await message("mid.out.1")).toMatchObject(expected);
  });

  it("merge into one row when the echo comes first", async () => {
    await persistEvents(db.sql, [echo("mid.out.1")]);
    await persistEvents(db.sql, [sent]);
    expect(await message("mid.out.1")).toMatchObject(expected);
  });

  it("end in the same row in either order and in one batch", async () => {
    const rowAfter = async (events: DomainEvent[][]) => {
      for (const e of events) await persistEvents(db.sql, e);
      const [row] = withoutTimes({ messages: [await message("mid.out.1")] }).messages!;
      await db.sql`truncate messages, outbound_sends`;
      return row;
    };
    const sentFirst = await rowAfter([[sent], [echo("mid.out.1")]]);
    expect(await rowAfter([[echo("mid.out.1")], [sent]])).toEqual(sentFirst);
    expect(await rowAfter([[sent, echo("mid.out.1")]])).toEqual(sentFirst);
    expect(await rowAfter([[echo("mid.out.1"), sent]])).toEqual(sentFirst);
    expect(sentFirst).toMatchObject(expected);
  });

  it("never blanks what the echo knew nor brings back the text of an unsent message", async () => {
    await persistEvents(db.sql, [echo("mid.out.1", { text: "as Meta stored it" })]);
    await persistEvents(db.sql, [ev.replySent("cmd.1", "mid.out.1", { at: 0, text: "" })]);
    expect(await message("mid.out.1")).toMatchObject({ ...expected, text: "as Meta stored it" });

    await persistEvents(db.sql, [ev.deleted("mid.out.2", { at: 30 })]);
    await persistEvents(db.sql, [ev.replySent("cmd.2", "mid.out.2", { at: 0 })]);
    expect(await message("mid.out.2")).toMatchObject({ is_deleted: true, text: null, direction: "outbound" });
  });
});
