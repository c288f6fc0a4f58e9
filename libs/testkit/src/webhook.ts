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

/** The sandbox's shop (17841400000000001): the Instagram account deliveries go to unless told. */
const SHOP_IG_ID = "17841400000000001";

/**
 * A delivery of one messaging item (`{ message }`, `{ reaction }`, `{ read }`…) to `account`, sent by `from` to
 * `to` (the account: an inbound item, unless told; an echo goes from the account to a person).
 */
export function instagramMessagingWebhook(
  item: Record<string, unknown>,
  opts: { account?: string; from?: string; to?: string; at?: number } = {},
): string {
  const now = opts.at ?? Date.now();
  const account = opts.account ?? SHOP_IG_ID;
  return JSON.stringify({
    object: "instagram",
    entry: [
      {
        id: account,
        time: now,
        messaging: [
          {
            sender: { id: opts.from ?? "9000000000000001" },
            recipient: { id: opts.to ?? account },
            timestamp: now,
            ...item,
          },
        ],
      },
    ],
  });
}

/** A minimal Instagram text message from `from` to account `to` (the sandbox's shop unless told), unique per `mid`. */
export function instagramTextWebhook(
  mid: string,
  text = "hello",
  opts: { from?: string; to?: string; at?: number } = {},
): string {
  return instagramMessagingWebhook({ message: { mid, text } }, { account: opts.to, from: opts.from, at: opts.at });
}
