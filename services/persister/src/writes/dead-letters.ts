import { DeadLetter } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { errorMessage, TransientError } from "@igdm/runtime";
import { classifyDbError } from "../db-errors.js";
import { jsonRows } from "./json.js";

/** One message of the DLQ stream, as the consumer received it (the raw bytes: it may not even be JSON). */
export interface DlqMessage {
  /** Sequence of the dead letter in the DLQ stream: the row's key. */
  dlqSeq: number;
  /** `<prefix>igdm.dlq.<service>` */
  subject: string;
  bytes: Uint8Array;
  /** When the DLQ stream stored it. */
  storedAt: Date;
}

interface DeadLetterRow {
  dlq_seq: number;
  service: string;
  stream: string | null;
  consumer: string | null;
  subject: string | null;
  stream_seq: number | null;
  delivery_count: number | null;
  reason: string;
  failed_at: string;
  /** base64 */
  payload: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** PostgreSQL text cannot hold U+0000. */
const text = (s: string) => s.replaceAll("\u0000", "");

/** The last token of the DLQ subject names the service that gave up. */
export function serviceOfSubject(subject: string): string {
  return text(subject.slice(subject.lastIndexOf(".") + 1)) || "unknown";
}

function unreadable(m: DlqMessage, why: string): DeadLetterRow {
  return {
    dlq_seq: m.dlqSeq,
    service: serviceOfSubject(m.subject),
    stream: null,
    consumer: null,
    subject: null,
    stream_seq: null,
    delivery_count: null,
    reason: text(`unreadable dead letter: ${why}`).slice(0, 2000),
    failed_at: m.storedAt.toISOString(),
    payload: Buffer.from(m.bytes).toString("base64"),
  };
}

/** The row for one DLQ message: the dead letter's fields, or what can be said about a message that is not one. */
export function deadLetterRow(m: DlqMessage): DeadLetterRow {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(m.bytes));
  } catch (err) {
    return unreadable(m, `not JSON: ${errorMessage(err)}`);
  }
  const parsed = DeadLetter.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    return unreadable(m, issues);
  }
  const d = parsed.data;
  return {
    dlq_seq: m.dlqSeq,
    service: text(d.service),
    stream: text(d.stream),
    consumer: text(d.consumer),
    subject: text(d.subject),
    stream_seq: d.streamSeq,
    delivery_count: d.deliveryCount,
    reason: text(d.reason),
    failed_at: d.failedAt,
    payload: d.payload,
  };
}

async function insert(sql: Sql, rows: readonly DeadLetterRow[]): Promise<void> {
  await sql`
    insert into dead_letters (
      dlq_seq, service, stream, consumer, subject, stream_seq, delivery_count, reason, failed_at, payload)
    select x.dlq_seq, x.service, x.stream, x.consumer, x.subject, x.stream_seq, x.delivery_count, x.reason,
      x.failed_at, decode(x.payload, 'base64')
    from jsonb_to_recordset(${jsonRows(rows)}::text::jsonb) as x(
      dlq_seq bigint, service text, stream text, consumer text, subject text, stream_seq bigint,
      delivery_count int, reason text, failed_at timestamptz, payload text)
    on conflict (dlq_seq) do nothing`;
}

/** Rethrows a transient failure (the database is away: retry later); returns any other error, classified. */
function unlessTransient(err: unknown): Error {
  const classified = classifyDbError(err);
  if (classified instanceof TransientError) throw classified;
  return classified;
}

/**
 * Stores dead letters, each once (keyed by its DLQ sequence). This consumer reads the DLQ itself, so it must never
 * dead-letter: a message that is not a dead letter is stored as an unreadable one, and a row the database refuses
 * (a timestamp out of its range, say) is stored with the reason why and its raw bytes. Only transient failures
 * (the database is down) are thrown, so the batch waits and is retried.
 */
export async function persistDeadLetters(sql: Sql, messages: readonly DlqMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map(deadLetterRow);
  try {
    return await insert(sql, rows);
  } catch (err) {
    unlessTransient(err);
  }
  // Something in the batch was refused: one row at a time, so only the bad one loses its fields.
  for (const [i, row] of rows.entries()) {
    try {
      await insert(sql, [row]);
    } catch (err) {
      const refused = unlessTransient(err);
      try {
        await insert(sql, [unreadable(messages[i]!, `the database refused it: ${errorMessage(refused)}`)]);
      } catch (last) {
        throw new TransientError(`could not store dead letter ${row.dlq_seq}: ${errorMessage(last)}`, {
          cause: last,
        });
      }
    }
  }
}
