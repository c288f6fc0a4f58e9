import { describe, expect, it } from "vitest";
import { deadEventPayload, deadLetter, dlqMessage, STORED_AT } from "../testing/dead-letters.js";
import { useEventsDatabase } from "../testing/events-database.js";
import { persistDeadLetters } from "./dead-letters.js";

const db = useEventsDatabase();

async function rows() {
  const all = await db.sql`select * from dead_letters order by dlq_seq`;
  return all.map(({ created_at: _c, payload, ...r }) => ({ ...r, payload: Buffer.from(payload).toString("utf8") }));
}

describe("persistDeadLetters", () => {
  it("stores a dead letter with its fields and the original bytes, once however often it is delivered", async () => {
    const m = dlqMessage(7, deadLetter());
    await persistDeadLetters(db.sql, [m]);
    await persistDeadLetters(db.sql, [m, m]);
    expect(await rows()).toEqual([
      {
        dlq_seq: "7",
        service: "persister",
        stream: "EVENTS",
        consumer: "persister-events",
        subject: "igdm.events.user_connected",
        stream_seq: "42",
        delivery_count: 3,
        reason: "database error 23502: null value in column",
        failed_at: new Date("2026-11-28T10:00:00.000Z"),
        payload: deadEventPayload,
      },
    ]);
  });

  it("stores what is not a dead letter as an unreadable one: service from the subject, the raw bytes", async () => {
    const notJson = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const wrongShape = JSON.stringify({ v: 1, service: "normalizer", streamSeq: -1 });
    await persistDeadLetters(db.sql, [
      dlqMessage(1, notJson, "normalizer"),
      dlqMessage(2, wrongShape, "responder"),
      dlqMessage(3, deadLetter({ service: "token-refresher" })),
    ]);
    const stored = await db.sql`select dlq_seq, service, stream, subject, stream_seq, reason, failed_at, payload
      from dead_letters order by dlq_seq`;
    expect(stored.map((r) => ({ ...r }))).toEqual([
      {
        dlq_seq: "1",
        service: "normalizer",
        stream: null,
        subject: null,
        stream_seq: null,
        reason: expect.stringMatching(/^unreadable dead letter: not JSON: /),
        failed_at: STORED_AT,
        payload: notJson,
      },
      {
        dlq_seq: "2",
        service: "responder",
        stream: null,
        subject: null,
        stream_seq: null,
        reason: expect.stringMatching(/^unreadable dead letter: .*stream: .*streamSeq: /),
        failed_at: STORED_AT,
        payload: Buffer.from(wrongShape),
      },
      expect.objectContaining({ dlq_seq: "3", service: "token-refresher", stream: "EVENTS" }),
    ]);
  });

  it("strips NUL characters from the text columns, and keeps a row the database refuses as unreadable", async () => {
    const nul = deadLetter({ reason: "bad \u0000 byte", subject: "igdm.events.\u0000x" });
    // Valid for the contract, out of PostgreSQL's range: alone in its batch it would fail every time.
    const yearZero = deadLetter({ failedAt: "0000-01-01T00:00:00Z" });
    await persistDeadLetters(db.sql, [dlqMessage(1, nul), dlqMessage(2, yearZero)]);
    const stored = await db.sql`select dlq_seq, subject, reason, failed_at, payload from dead_letters order by dlq_seq`;
    expect(stored[0]).toMatchObject({ subject: "igdm.events.x", reason: "bad  byte" });
    expect(stored[1]).toMatchObject({
      reason: expect.stringMatching(/^unreadable dead letter: the database refused it: database error 22008/),
      failed_at: STORED_AT,
    });
    expect(JSON.parse(Buffer.from(stored[1]!.payload).toString("utf8"))).toEqual(yearZero);
  });
});
