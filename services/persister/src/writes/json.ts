/**
 * A `\u0000` escape or an unpaired surrogate escape that is not itself escaped (even run of backslashes before it).
 * JavaScript accepts both, PostgreSQL's jsonb refuses both (22P05/22P02): one such string would fail the whole
 * batch permanently, so they become U+FFFD (webhook_logs.raw keeps the exact bytes).
 */
const UNSTORABLE_ESCAPE =
  /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2}\\u)d[c-f][0-9a-f]{2})/gi;

/** JSON text that PostgreSQL's jsonb accepts; the same text when it already does. */
export function storableJson(text: string): string {
  if (!text.includes("\\u")) return text;
  return text.replace(UNSTORABLE_ESCAPE, "$1\\ufffd");
}

/**
 * One JSON parameter holding every row of a statement, for `jsonb_to_recordset(${param}::text::jsonb)`: the
 * statement text is the same for any batch size, so it is prepared once. Absent (undefined) fields become SQL nulls.
 * The `::text` matters: a parameter the server types as jsonb is JSON.stringify'd again by postgres.js.
 */
export function jsonRows(rows: readonly object[]): string {
  return storableJson(JSON.stringify(rows));
}
