/**
 * Deepest nesting of a webhook body that is mapped (normalizer) and stored as jsonb (persister). Meta's payloads
 * nest about ten levels. JSON.parse takes any depth, but the mapping's copies, JSON.stringify and PostgreSQL's
 * jsonb recurse: a body thousands of levels deep overflowed the normalizer's stack and PostgreSQL's (found by
 * fuzzing). Far above anything Meta sends, far below what those can take.
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
