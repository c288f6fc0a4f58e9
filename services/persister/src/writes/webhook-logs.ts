import { MAX_JSON_DEPTH, nestsDeeperThan, type RawWebhook } from "@igdm/contracts";
import type { Sql } from "@igdm/db";
import { rowsWritten } from "../metrics.js";
import { jsonRows, storableJson } from "./json.js";

export interface WebhookLogRow {
  raw: RawWebhook;
  /** Sequence of the delivery in the WEBHOOKS stream. */
  streamSeq: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as JSON text and its `object`; no text when the bytes are not UTF-8 JSON or nest too deep for jsonb. */
function parseBody(bytes: Buffer): { text?: string; object?: string } {
  let text: string;
  let parsed: unknown;
  try {
    text = utf8.decode(bytes);
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const object = (parsed as { object?: unknown } | null)?.object;
  // jsonb parsing recurses: a body nested thousands deep fails the insert with 54001 on every retry.
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return { object: typeof object === "string" ? object : undefined };
  // The text, not JSON.stringify(parsed): numbers beyond 2^53 keep every digit in jsonb.
  return { text: storableJson(text), object: typeof object === "string" ? object : undefined };
}

/**
 * Stores each delivery once (id = sha256 of the body), in one statement: `raw` holds the exact bytes, `body` the
 * parsed JSON, null when the body is not JSON. A redelivery keeps the first row.
 */
export async function persistWebhookLogs(sql: Sql, rows: readonly WebhookLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params = rows.map(({ raw, streamSeq }) => {
    const body = parseBody(Buffer.from(raw.body, "base64"));
    return {
      id: raw.id,
      stream_seq: streamSeq,
      received_at: raw.receivedAt,
      object: body.object,
      body: body.text,
      raw: raw.body,
      headers: raw.headers,
    };
  });
  const result = await sql`
    insert into webhook_logs (id, stream_seq, received_at, object, body, raw, headers)
    select x.id, x.stream_seq, x.received_at, x.object, x.body::jsonb, decode(x.raw, 'base64'), x.headers
    from jsonb_to_recordset(${jsonRows(params)}::text::jsonb) as x(
      id text, stream_seq bigint, received_at timestamptz, object text, body text, raw text, headers jsonb)
    on conflict (id) do nothing`;
  rowsWritten.inc({ table: "webhook_logs" }, result.count);
}
