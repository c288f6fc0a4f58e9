import { hash } from "node:crypto";
import type { RawWebhook } from "@igdm/contracts";
import type { FastifyRequest } from "fastify";

/** Header values worth keeping with the event; everything else is recorded by name only. */
const KEPT_HEADERS = ["content-type", "user-agent", "facebook-api-version"] as const;

/**
 * The envelope of a verified body. Valid by construction (sink.ts publishes it without parsing it again): a literal
 * version, a sha256 hex digest, the request id fastify generated (a UUID, app.ts), an ISO timestamp of now, the
 * secret's name as typed, string header values and names, and base64 of the bytes. raw-webhook.test.ts parses what
 * it builds from arbitrary requests, and the fuzz tests parse every envelope ingress stores.
 */
export function toRawWebhook(req: FastifyRequest, body: Buffer, signedWith: RawWebhook["signedWith"]): RawWebhook {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  return {
    v: 1,
    // One-shot hash: about half the cost of createHash().update().digest() for a webhook-sized body.
    id: hash("sha256", body, "hex"),
    requestId: String(req.id),
    receivedAt: new Date().toISOString(),
    signedWith,
    headers,
    headerNames: Object.keys(req.headers),
    body: body.toString("base64"),
  };
}
