import { createHmac, timingSafeEqual } from "node:crypto";

/** Meta's header: `X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256(app secret, raw body)>`. */
export const SIGNATURE_HEADER = "x-hub-signature-256";

const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

export function signatureHeaderValue(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export type SignatureRejection = "missing" | "malformed" | "mismatch";

export type SignatureVerdict<Name extends string> =
  | { ok: true; secretName: Name }
  | { ok: false; reason: SignatureRejection };

/** Header syntax only: lets a caller refuse an unsigned request before reading its body. */
export function signatureHeaderProblem(header: string | string[] | undefined): SignatureRejection | undefined {
  if (header === undefined || header === "") return "missing";
  // Node joins repeated headers with ", "; an array or a joined value is never a valid single signature.
  if (typeof header !== "string" || !SIGNATURE_FORMAT.test(header)) return "malformed";
  return undefined;
}

/**
 * Verifies the raw body against every configured secret (an app may hold a Facebook app secret and an Instagram
 * app secret). Hashes the bytes as received, never re-serialised JSON, and compares in constant time; every secret
 * is tried so the time taken does not reveal which one matched.
 */
export function verifyWebhookSignature<Name extends string>(
  body: Uint8Array,
  header: string | string[] | undefined,
  secrets: ReadonlyArray<{ name: Name; secret: string }>,
): SignatureVerdict<Name> {
  const problem = signatureHeaderProblem(header);
  if (problem) return { ok: false, reason: problem };
  const given = Buffer.from(SIGNATURE_FORMAT.exec(header as string)![1]!.toLowerCase(), "hex");
  let matched: Name | undefined;
  for (const { name, secret } of secrets) {
    const expected = createHmac("sha256", secret).update(body).digest();
    if (timingSafeEqual(expected, given) && matched === undefined) matched = name;
  }
  return matched === undefined ? { ok: false, reason: "mismatch" } : { ok: true, secretName: matched };
}
