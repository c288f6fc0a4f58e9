import { signatureHeaderValue } from "@igdm/meta";

/** Headers Meta sends with a delivery, signed over the exact bytes given. */
export function metaWebhookHeaders(body: Uint8Array | string, secret: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-hub-signature-256": signatureHeaderValue(secret, body),
    "user-agent": "facebookexternalua",
    "facebook-api-version": "v23.0",
  };
}

/** A minimal Instagram text-message delivery to account 17841400000000001 (the sandbox's shop), unique per `mid`. */
export function instagramTextWebhook(mid: string, text = "hello", opts: { from?: string; at?: number } = {}): string {
  const now = opts.at ?? Date.now();
  return JSON.stringify({
    object: "instagram",
    entry: [
      {
        id: "17841400000000001",
        time: now,
        messaging: [
          {
            sender: { id: opts.from ?? "9000000000000001" },
            recipient: { id: "17841400000000001" },
            timestamp: now,
            message: { mid, text },
          },
        ],
      },
    ],
  });
}
