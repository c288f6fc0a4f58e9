import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * Meta's `signed_request` (data-deletion and deauthorize callbacks): `<base64url signature>.<base64url payload>`,
 * the signature being HMAC-SHA256(app secret, the payload segment exactly as received), the payload JSON with
 * `algorithm: "HMAC-SHA256"`, `issued_at` (Unix seconds) and `user_id` (app-scoped).
 */

/** A Facebook Login signed_request is a few hundred characters; anything far larger is not Meta's. */
export const SIGNED_REQUEST_MAX_LENGTH = 4096;

/**
 * How far in the future `issued_at` may lie (clock skew between Meta and us). There is no limit into the past:
 * Meta retries a callback that did not get a 200, and replaying an old one only repeats an idempotent request.
 */
export const SIGNED_REQUEST_MAX_FUTURE_SKEW_SECONDS = 300;

/** Why a signed_request was refused: never which secret was tried or what the expected signature was. */
export type SignedRequestRejection =
  | "malformed" // not two canonical base64url segments, or over the length limit
  | "signature" // no configured secret signed this payload
  | "payload" // signed, but not a JSON object with string user_id and numeric issued_at
  | "algorithm" // signed, but claims an algorithm other than HMAC-SHA256
  | "issued_in_future"; // signed, but issued_at lies beyond the allowed clock skew

export interface SignedRequestPayload {
  userId: string;
  /** Unix seconds, as Meta sent it. */
  issuedAt: number;
  algorithm: string;
  /** The whole decoded payload (other fields Meta may add). */
  fields: Record<string, unknown>;
}

export type SignedRequestVerdict<Name extends string> =
  | { ok: true; secretName: Name; payload: SignedRequestPayload }
  | { ok: false; reason: SignedRequestRejection; detail: string };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Strict base64url: only the URL-safe alphabet, no padding, no whitespace, and canonical (the unused low bits of
 * the last character are zero), so exactly one string encodes any given bytes.
 */
export function decodeBase64UrlStrict(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, "base64url");
  return bytes.toString("base64url") === segment ? bytes : undefined;
}

const Payload = z.looseObject({
  algorithm: z.string(),
  user_id: z.string().min(1).max(256),
  issued_at: z.number().int().nonnegative(),
});

const reject = (reason: SignedRequestRejection, detail: string) => ({ ok: false as const, reason, detail });

/**
 * Verifies a signed_request against every configured secret (an app may hold a Facebook and an Instagram app
 * secret), in constant time and trying all of them so the time taken does not reveal which one matched. The
 * payload is decoded and trusted only once its signature matched.
 */
export function verifySignedRequest<Name extends string>(
  signedRequest: string,
  secrets: ReadonlyArray<{ name: Name; secret: string }>,
  opts: { now?: Date; maxFutureSkewSeconds?: number } = {},
): SignedRequestVerdict<Name> {
  if (signedRequest.length > SIGNED_REQUEST_MAX_LENGTH) return reject("malformed", "signed_request is too long");
  const dot = signedRequest.indexOf(".");
  if (dot < 0) return reject("malformed", "signed_request is not <signature>.<payload>");
  const signatureSegment = signedRequest.slice(0, dot);
  const payloadSegment = signedRequest.slice(dot + 1);
  const signature = decodeBase64UrlStrict(signatureSegment);
  if (signature?.length !== 32) return reject("malformed", "signature is not base64url HMAC-SHA256");
  const payloadBytes = decodeBase64UrlStrict(payloadSegment);
  if (!payloadBytes) return reject("malformed", "payload is not base64url");

  let matched: Name | undefined;
  for (const { name, secret } of secrets) {
    const expected = createHmac("sha256", secret).update(payloadSegment, "utf8").digest();
    if (timingSafeEqual(expected, signature) && matched === undefined) matched = name;
  }
  if (matched === undefined) return reject("signature", "signature does not match any configured app secret");

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payloadBytes));
  } catch {
    return reject("payload", "payload is not UTF-8 JSON");
  }
  const parsed = Payload.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(payload)"))].join(", ");
    return reject("payload", `payload fields missing or of the wrong type: ${fields}`);
  }
  const { algorithm, user_id, issued_at } = parsed.data;
  if (algorithm.toUpperCase() !== "HMAC-SHA256") return reject("algorithm", "algorithm is not HMAC-SHA256");
  const nowSeconds = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (issued_at > nowSeconds + (opts.maxFutureSkewSeconds ?? SIGNED_REQUEST_MAX_FUTURE_SKEW_SECONDS)) {
    return reject("issued_in_future", "issued_at lies in the future");
  }
  return {
    ok: true,
    secretName: matched,
    payload: { userId: user_id, issuedAt: issued_at, algorithm, fields: json as Record<string, unknown> },
  };
}

/** Builds a signed_request the way Meta does (for tests and the sandbox): the payload is JSON-encoded as given. */
export function signSignedRequest(payload: Record<string, unknown>, secret: string): string {
  const segment = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${createHmac("sha256", secret).update(segment, "utf8").digest("base64url")}.${segment}`;
}
