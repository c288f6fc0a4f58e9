import { createHash, createHmac } from "node:crypto";

/** The callback's id: sha256 (hex) of the signed_request as received, so Meta's retries are one request. */
export const userCallbackId = (signedRequest: string) =>
  createHash("sha256").update(signedRequest, "utf8").digest("hex");

/**
 * The confirmation code Meta shows the person: 20 letters and digits of HMAC(app secret, "deletion:" +
 * signed_request). Deterministic, so Meta retrying the same request gets the same code (and the same status page);
 * keyed by the secret, so nobody can derive a code from a user id or guess another person's status page.
 */
export function deletionConfirmationCode(signedRequest: string, secret: string): string {
  const mac = createHmac("sha256", secret).update(`deletion:${signedRequest}`, "utf8").digest();
  // base64url without its two symbols keeps about 119 bits in 20 characters; the hex tail only makes it total.
  return `${mac.toString("base64url").replace(/[-_]/g, "")}${mac.toString("hex")}`.slice(0, 20);
}

/** What a confirmation code looks like (the contract's rule), checked before asking the persister anything. */
export const CONFIRMATION_CODE = /^[A-Za-z0-9]{16,64}$/;
