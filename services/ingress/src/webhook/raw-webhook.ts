import { createHash } from "node:crypto";
import type { RawWebhook } from "@igdm/contracts";
import type { FastifyRequest } from "fastify";

/** Header values worth keeping with the event; everything else is recorded by name only. */
const KEPT_HEADERS = ["content-type", "user-agent", "facebook-api-version"] as const;

export function toRawWebhook(req: FastifyRequest, body: Buffer, signedWith: RawWebhook["signedWith"]): RawWebhook {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  return {
    v: 1,
    id: createHash("sha256").update(body).digest("hex"),
    requestId: String(req.id),
    receivedAt: new Date().toISOString(),
    signedWith,
    headers,
    headerNames: Object.keys(req.headers),
    body: body.toString("base64"),
  };
}
