import { MAX_JSON_DEPTH, nestsDeeperThan } from "@igdm/contracts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

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
