import { createHash } from "node:crypto";

/**
 * First 12 hex characters of sha256(token): tells tokens apart in debug views and logs without revealing them.
 * Not a secret-preserving MAC: fine for high-entropy Meta tokens, never for guessable values.
 */
export function tokenFingerprint(plainToken: string): string {
  return createHash("sha256").update(plainToken, "utf8").digest("hex").slice(0, 12);
}
