import { randomBytes } from "node:crypto";
import { z } from "zod";
import { KEY_BYTES, KEY_ID_PATTERN, type TokenKey } from "./keys.js";

const ENV = "TOKEN_ENCRYPTION_KEYS";
// Either alphabet, not mixed; Node's decoder would otherwise skip stray characters silently.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * `TOKEN_ENCRYPTION_KEYS=kid:base64key[,kid:base64key...]`, first key active. Parses to the `keys` array of
 * `TokenCipher.fromKeys`. Reports every problem at once; messages name entries by position or valid id and never
 * echo key material (an entry written the wrong way round would otherwise print its key as the "id").
 */
export const TokenEncryptionKeys = z
  .string({ error: `${ENV}: required (kid:base64key[,kid:base64key...])` })
  .transform((value, ctx): TokenKey[] => {
    const problems: string[] = [];
    const keys: TokenKey[] = [];
    const seen = new Set<string>();
    const entries = value.trim() === "" ? [] : value.split(",");
    if (entries.length === 0) problems.push("no keys (expected kid:base64key[,kid:base64key...])");
    for (const [i, raw] of entries.entries()) {
      const entry = raw.trim();
      const sep = entry.indexOf(":");
      if (sep < 0) {
        problems.push(`entry ${i + 1} must be kid:base64key`);
        continue;
      }
      const id = entry.slice(0, sep).trim();
      const encoded = entry.slice(sep + 1).trim();
      if (!KEY_ID_PATTERN.test(id)) {
        problems.push(`entry ${i + 1} has an invalid key id (expected ${KEY_ID_PATTERN.source})`);
        continue;
      }
      if (seen.has(id)) {
        problems.push(`key id '${id}' appears more than once`);
        continue;
      }
      seen.add(id);
      if (!BASE64.test(encoded) && !BASE64URL.test(encoded)) {
        problems.push(`key '${id}' is not base64 or base64url`);
        continue;
      }
      // Node's base64 decoder reads both alphabets, with or without padding.
      const key = Buffer.from(encoded, "base64");
      if (key.length === KEY_BYTES) keys.push({ id, key });
      else problems.push(`key '${id}' must be ${KEY_BYTES} bytes (got ${key.length})`);
    }
    for (const p of problems) ctx.addIssue({ code: "custom", message: `${ENV}: ${p}` });
    return problems.length > 0 ? z.NEVER : keys;
  });

/** A fresh `id:base64` entry for TOKEN_ENCRYPTION_KEYS (docs, dev scripts). */
export function generateKeySpec(id: string): string {
  if (!KEY_ID_PATTERN.test(id)) throw new RangeError(`generateKeySpec: key id must match ${KEY_ID_PATTERN.source}`);
  return `${id}:${randomBytes(KEY_BYTES).toString("base64")}`;
}
