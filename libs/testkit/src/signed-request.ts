import { signSignedRequest } from "@igdm/meta";

export { signSignedRequest };

/** A signed_request as Meta sends to the deauthorize and data-deletion callbacks, issued now unless told. */
export function metaSignedRequest(
  userId: string,
  secret: string,
  issuedAt: number = Math.floor(Date.now() / 1000),
): string {
  return signSignedRequest({ algorithm: "HMAC-SHA256", issued_at: issuedAt, user_id: userId }, secret);
}

/** The form body Meta POSTs: `signed_request=<value>`, with its content type. */
export function signedRequestForm(signedRequest: string): { payload: string; headers: Record<string, string> } {
  return {
    payload: new URLSearchParams({ signed_request: signedRequest }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  };
}
