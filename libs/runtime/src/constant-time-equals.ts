import { createHash, timingSafeEqual } from "node:crypto";

const sha256 = (value: string | Uint8Array) => createHash("sha256").update(value).digest();

/**
 * Whether a secret a caller presented equals the expected one, in time that reveals neither where they differ nor
 * how long either is: both sides are hashed first (strings as UTF-8), so timingSafeEqual always compares 32 bytes.
 * For tokens and passwords; HMAC signatures of a fixed length can be compared with timingSafeEqual directly.
 */
export function constantTimeEquals(given: string | Uint8Array, expected: string | Uint8Array): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}
