import { type DebugDeadLetter, DebugDeadLettersReply, DebugDeadLettersRequest } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { persisterRpc } from "./persister-rpc.js";

interface DeadLetterRow {
  dlq_seq: string;
  service: string;
  stream: string | null;
  consumer: string | null;
  subject: string | null;
  stream_seq: string | null;
  delivery_count: number | null;
  reason: string;
  failed_at: Date;
  payload_bytes: number;
  head: Buffer;
}

export const PREVIEW_CHARS = 500;
/** Bytes read for the preview: 500 characters are at most 2000 bytes, the rest lets a token starting there end. */
const HEAD_BYTES = 8192;
/** An encrypted token (`v1.<key id>.<iv>.<ciphertext>.<tag>`, as EncryptedToken in the contracts), anywhere. */
const ENCRYPTED_TOKEN = /v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
/** The start of one cut off at the end of the bytes read. */
const CUT_TOKEN = /v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_.-]*$/;
const lenient = new TextDecoder("utf-8");

/** The start of the payload as text, with every ciphertext (whole or cut off at the end) replaced. */
export function payloadPreview(head: Uint8Array): string {
  return lenient
    .decode(head)
    .replace(ENCRYPTED_TOKEN, "[encrypted]")
    .replace(CUT_TOKEN, "[encrypted]")
    .slice(0, PREVIEW_CHARS);
}

/** The newest dead letters first, optionally of one service. */
export async function debugDeadLetters(
  sql: Sql,
  req: { limit: number; service?: string | undefined },
): Promise<DebugDeadLetter[]> {
  // bigint columns come back as strings: a sequence can exceed 2^53 only in theory, Number() is safe in practice.
  const rows = await sql<DeadLetterRow[]>`
    select dlq_seq, service, stream, consumer, subject, stream_seq, delivery_count, reason, failed_at,
      octet_length(payload) as payload_bytes, substring(payload from 1 for ${HEAD_BYTES}) as head
    from dead_letters
    where ${req.service === undefined ? sql`true` : sql`service = ${req.service}`}
    order by failed_at desc, dlq_seq desc
    limit ${req.limit}`;
  return rows.map((r) => ({
    dlqSeq: Number(r.dlq_seq),
    service: r.service,
    stream: r.stream ?? "",
    consumer: r.consumer ?? "",
    subject: r.subject ?? "",
    streamSeq: r.stream_seq === null ? 0 : Number(r.stream_seq),
    deliveryCount: r.delivery_count ?? 0,
    reason: r.reason,
    failedAt: r.failed_at.toISOString(),
    payloadBytes: r.payload_bytes,
    payloadPreview: payloadPreview(r.head),
  }));
}

/** Answers DebugDeadLettersRequest on `<prefix>igdm.rpc.persister.debug-dlq`. */
export const serveDebugDeadLetters = persisterRpc(
  "debug-dlq",
  { request: DebugDeadLettersRequest, reply: DebugDeadLettersReply },
  async (sql, req) => ({ ok: true as const, deadLetters: await debugDeadLetters(sql, req) }),
);
