import { z } from "zod";

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase sha256 hex digest");
export type Sha256Hex = z.infer<typeof Sha256Hex>;

/**
 * A verified webhook delivery as ingress received it. The body travels base64-encoded so its exact bytes survive
 * (signatures, replay, forensic use), including bodies that are not valid UTF-8 or not JSON at all.
 */
export const RawWebhook = z.object({
  v: z.literal(1),
  /** sha256 of the body: also the Nats-Msg-Id, so Meta's retries of the same body are stored once. */
  id: Sha256Hex,
  requestId: z.string().min(1),
  receivedAt: z.iso.datetime(),
  /** Which configured secret verified X-Hub-Signature-256. */
  signedWith: z.enum(["app", "instagram"]),
  /** Non-secret headers worth keeping (user agent, API version, content type). */
  headers: z.record(z.string(), z.string()),
  /** Names of every header present, values omitted: shows e.g. whether the legacy sha1 signature came too. */
  headerNames: z.array(z.string()),
  body: z.base64(),
});
export type RawWebhook = z.infer<typeof RawWebhook>;
