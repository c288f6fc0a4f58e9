const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Meta's payloads nest about ten levels. JSON.parse takes any depth, but the mapping's copies, JSON.stringify and
 * PostgreSQL's jsonb recurse: a body thousands of levels deep overflowed the normalizer's stack (found by fuzzing).
 * Far above anything Meta sends, far below what those can take.
 */
export const MAX_JSON_DEPTH = 256;

/** Whether arrays and objects in a valid JSON text nest deeper than `limit`; counted without recursion. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The body as JSON, or why it is not: invalid UTF-8 is refused, never replaced with U+FFFD. */
export function decodeJsonBody(body: Uint8Array): { ok: true; json: unknown } | { ok: false; reason: string } {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: "body is not valid UTF-8" };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `body is not JSON: ${(error as Error).message}` };
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return { ok: false, reason: `body nests deeper than ${MAX_JSON_DEPTH} levels` };
  }
  return { ok: true, json };
}
