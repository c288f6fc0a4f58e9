import type { Logger, NatsConnection } from "@igdm/runtime";

/** Room for the raw webhook's envelope around the base64 body: ids, timestamps, kept headers and header names. */
const ENVELOPE_BYTES = 8 * 1024;

/** The largest body a server with this `max_payload` can store: bodies travel base64-encoded (4 bytes per 3). */
export function largestStorableBody(maxPayload: number): number {
  return Math.max(0, Math.floor((maxPayload - ENVELOPE_BYTES) / 4) * 3);
}

/**
 * Warns once connected when the server refuses messages smaller than the bodies ingress accepts: such a webhook
 * would be answered 503 on every retry until Meta gives up on the subscription. NATS defaults to 1 MB;
 * deploy/nats/nats.conf sets 8 MB.
 */
export function warnIfBodyLimitExceedsPayload(nc: NatsConnection, bodyLimitBytes: number, log: Logger): boolean {
  const maxPayload = nc.info?.max_payload;
  if (maxPayload === undefined || bodyLimitBytes <= largestStorableBody(maxPayload)) return false;
  log.warn(
    { bodyLimitBytes, maxPayload, largestStorableBody: largestStorableBody(maxPayload) },
    "NATS max_payload is too small for BODY_LIMIT_BYTES: larger webhooks will be answered 503 until Meta gives up; " +
      "raise max_payload on the server or lower BODY_LIMIT_BYTES",
  );
  return true;
}
