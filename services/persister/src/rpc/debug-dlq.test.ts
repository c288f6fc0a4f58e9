import { DebugDeadLettersReply, DebugDeadLettersRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { DEAD_TOKEN, deadEventPayload, deadLetter, dlqMessage, STORED_AT } from "../testing/dead-letters.js";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { token } from "../testing/test-events.js";
import { persistDeadLetters } from "../writes/dead-letters.js";
import { PREVIEW_CHARS, payloadPreview, serveDebugDeadLetters } from "./debug-dlq.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "debug-dlq", serveDebugDeadLetters, {
  request: DebugDeadLettersRequest,
  reply: DebugDeadLettersReply,
});

describe("debug-dlq over NATS", () => {
  it("answers the newest dead letters first, readable or not, with ciphertexts replaced in the preview", async () => {
    const garbage = Buffer.from("not a dead letter");
    await persistDeadLetters(db.sql, [
      dlqMessage(1, deadLetter({ failedAt: "2026-11-28T09:00:00.000Z" })),
      dlqMessage(2, deadLetter({ service: "normalizer", failedAt: "2026-11-28T11:00:00.000Z", payloadText: "x" })),
      dlqMessage(3, garbage, "responder"),
    ]);
    const reply = await rpc.call({ v: 1 });
    expect(reply).toEqual({
      ok: true,
      deadLetters: [
        expect.objectContaining({ dlqSeq: 2, service: "normalizer", payloadBytes: 1, payloadPreview: "x" }),
        {
          dlqSeq: 3,
          service: "responder",
          stream: "",
          consumer: "",
          subject: "",
          streamSeq: 0,
          deliveryCount: 0,
          reason: expect.stringMatching(/^unreadable dead letter: not JSON/),
          failedAt: STORED_AT.toISOString(),
          payloadBytes: garbage.length,
          payloadPreview: "not a dead letter",
        },
        {
          dlqSeq: 1,
          service: "persister",
          stream: "EVENTS",
          consumer: "persister-events",
          subject: "igdm.events.user_connected",
          streamSeq: 42,
          deliveryCount: 3,
          reason: "database error 23502: null value in column",
          failedAt: "2026-11-28T09:00:00.000Z",
          payloadBytes: Buffer.byteLength(deadEventPayload),
          payloadPreview: deadEventPayload.replace(DEAD_TOKEN, "[encrypted]"),
        },
      ],
    });
    expect(JSON.stringify(reply)).not.toContain(DEAD_TOKEN);
  });

  it("limits the answer and filters by service", async () => {
    await persistDeadLetters(
      db.sql,
      [1, 2, 3, 4].map((seq) =>
        dlqMessage(
          seq,
          deadLetter({ service: seq % 2 ? "persister" : "normalizer", failedAt: `2026-11-28T10:00:0${seq}.000Z` }),
        ),
      ),
    );
    const seqs = (r: DebugDeadLettersReply) => (r.ok ? r.deadLetters.map((d) => d.dlqSeq) : r);
    expect(seqs(await rpc.call({ v: 1, limit: 3 }))).toEqual([4, 3, 2]);
    expect(seqs(await rpc.call({ v: 1, service: "persister" }))).toEqual([3, 1]);
    expect(seqs(await rpc.call({ v: 1, service: "responder" }))).toEqual([]);
    expect(await rpc.raw({ v: 1, service: "Not A Service" })).toMatchObject({
      ok: false,
      code: "IGDM_ERR_BAD_REQUEST",
    });
  });

  it("previews at most 500 characters of a long payload, and no ciphertext cut off at its end", async () => {
    const long = `${"a".repeat(480)} "accessTokenEnc":"${DEAD_TOKEN}" ${"b".repeat(20_000)}`;
    await persistDeadLetters(db.sql, [dlqMessage(1, deadLetter({ payloadText: long }))]);
    const reply = await rpc.call({ v: 1 });
    expect(reply).toMatchObject({ ok: true, deadLetters: [{ payloadBytes: Buffer.byteLength(long) }] });
    if (!reply.ok) return;
    const preview = reply.deadLetters[0]!.payloadPreview;
    expect(preview).toHaveLength(PREVIEW_CHARS);
    expect(preview).toBe(
      `${"a".repeat(480)} "accessTokenEnc":"[encrypted]" ${"b".repeat(500)}`.slice(0, PREVIEW_CHARS),
    );
  });
});

describe("payloadPreview", () => {
  it("replaces every ciphertext, and the start of one cut off at the end of the bytes read", () => {
    const a = token("a");
    const b = token("b");
    expect(payloadPreview(Buffer.from(`{"x":"${a}","y":["${b}"]}`))).toBe('{"x":"[encrypted]","y":["[encrypted]"]}');
    const cut = b.slice(0, b.length - 10);
    expect(payloadPreview(Buffer.from(`token ${cut}`))).toBe("token [encrypted]");
    expect(payloadPreview(Buffer.from("v1 is a version, v1.2 too"))).toBe("v1 is a version, v1.2 too");
  });
});
