import { createHash } from "node:crypto";
import { RawWebhook } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { persistWebhookLogs } from "./webhook-logs.js";

const db = useEventsDatabase();

function raw(body: Buffer | string): RawWebhook {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  return RawWebhook.parse({
    v: 1,
    id: createHash("sha256").update(bytes).digest("hex"),
    requestId: "req-1",
    receivedAt: "2026-11-28T10:00:00.000Z",
    signedWith: "app",
    headers: { "user-agent": "facebookexternalua", "content-type": "application/json" },
    headerNames: ["user-agent", "content-type", "x-hub-signature-256"],
    body: bytes.toString("base64"),
  });
}

async function stored(id: string) {
  const [row] = await db.sql`select * from webhook_logs where id = ${id}`;
  return row!;
}

describe("persistWebhookLogs", () => {
  it("stores the parsed body, its object, the headers and the exact bytes", async () => {
    // Meta escapes non-ASCII: the raw bytes keep the escapes, the jsonb body holds the characters.
    const text = '{"object":"instagram","entry":[{"id":"1784","time":1764324000000,"note":"\\u00e4 \\ud83d\\ude00"}]}';
    const delivery = raw(text);
    await persistWebhookLogs(db.sql, [{ raw: delivery, streamSeq: 7 }]);
    const row = await stored(delivery.id);
    expect(row).toMatchObject({
      stream_seq: "7",
      received_at: new Date("2026-11-28T10:00:00.000Z"),
      object: "instagram",
      body: { object: "instagram", entry: [{ id: "1784", time: 1764324000000, note: "\u00e4 \u{1f600}" }] },
      headers: { "user-agent": "facebookexternalua", "content-type": "application/json" },
    });
    expect(Buffer.from(row.raw).toString("utf8")).toBe(text);
  });

  it("keeps a body that is not JSON as bytes only, with body and object null", async () => {
    const delivery = raw("hub.mode=subscribe&x=1");
    await persistWebhookLogs(db.sql, [{ raw: delivery, streamSeq: 1 }]);
    expect(await stored(delivery.id)).toMatchObject({ body: null, object: null });
    expect(Buffer.from((await stored(delivery.id)).raw).toString("utf8")).toBe("hub.mode=subscribe&x=1");
  });

  it("keeps a body nested too deep for jsonb as bytes, with its object, beside normal ones in the same batch", async () => {
    // 20,000 levels: PostgreSQL's jsonb parser runs out of stack (54001) on far less.
    const deep = raw(`{"object":"instagram","entry":${"[".repeat(20_000)}${"]".repeat(20_000)}}`);
    const normal = raw('{"object":"instagram","entry":[]}');
    await persistWebhookLogs(db.sql, [
      { raw: deep, streamSeq: 1 },
      { raw: normal, streamSeq: 2 },
    ]);
    expect(await stored(deep.id)).toMatchObject({ body: null, object: "instagram" });
    expect(Buffer.from((await stored(deep.id)).raw).toString("base64")).toBe(deep.body);
    expect(await stored(normal.id)).toMatchObject({ body: { object: "instagram", entry: [] } });
  });

  it("keeps raw bytes exactly, including non-ASCII and bytes that are not UTF-8", async () => {
    const utf8 = Buffer.from('{"object":"page","text":"ä😀"}', "utf8");
    const notUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0xc3, 0x22, 0x7d, 0x80]);
    const rows = [raw(utf8), raw(notUtf8)];
    await persistWebhookLogs(
      db.sql,
      rows.map((r, i) => ({ raw: r, streamSeq: i + 1 })),
    );
    const a = await stored(rows[0]!.id);
    expect(Buffer.compare(a.raw, utf8)).toBe(0);
    expect(a).toMatchObject({ object: "page", body: { object: "page", text: "ä😀" } });
    const b = await stored(rows[1]!.id);
    expect(Buffer.compare(b.raw, notUtf8)).toBe(0);
    expect(b).toMatchObject({ object: null, body: null });
  });

  it("keeps every digit of large numbers and stores JSON that jsonb refuses with U+FFFD in the body", async () => {
    const text = '{"object":"instagram","big":12345678901234567890123,"s":"a\\u0000b\\ud800c"}';
    const delivery = raw(text);
    await persistWebhookLogs(db.sql, [{ raw: delivery, streamSeq: 1 }]);
    const [row] = await db.sql`select body->>'big' as big, body->>'s' as s, raw from webhook_logs`;
    expect(row).toMatchObject({ big: "12345678901234567890123", s: "a\ufffdb\ufffdc" });
    expect(Buffer.from(row!.raw).toString("utf8")).toBe(text);
  });

  it("stores a delivery once however often it comes, keeping the first stream sequence", async () => {
    const a = raw('{"object":"instagram","entry":[]}');
    const b = raw('{"object":"instagram","entry":[{}]}');
    await persistWebhookLogs(db.sql, [
      { raw: a, streamSeq: 1 },
      { raw: a, streamSeq: 2 },
      { raw: b, streamSeq: 3 },
    ]);
    await persistWebhookLogs(db.sql, [{ raw: a, streamSeq: 9 }]);
    const rows = await db.sql`select id, stream_seq from webhook_logs order by stream_seq`;
    expect(rows).toEqual([
      { id: a.id, stream_seq: "1" },
      { id: b.id, stream_seq: "3" },
    ]);
  });

  it("writes a batch of 500 deliveries in one call, and nothing for an empty one", async () => {
    await persistWebhookLogs(db.sql, []);
    const batch = Array.from({ length: 500 }, (_, i) => ({
      raw: raw(`{"object":"instagram","n":${i}}`),
      streamSeq: i,
    }));
    await persistWebhookLogs(db.sql, batch);
    const [{ n }] = (await db.sql`select count(*)::int as n from webhook_logs`) as unknown as [{ n: number }];
    expect(n).toBe(500);
  });
});
