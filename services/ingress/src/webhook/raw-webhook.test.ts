import { createHash } from "node:crypto";
import { RawWebhook } from "@igdm/contracts";
import fc from "fast-check";
import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { toRawWebhook } from "./raw-webhook.js";

// sink.ts publishes toRawWebhook's envelope without parsing it again: it must satisfy the contract for any request.
describe("toRawWebhook", () => {
  it("builds an envelope the RawWebhook contract accepts, for any body, headers and request id", () => {
    const headerName = fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,40}$/);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 2048 }),
        fc.dictionary(headerName, fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))),
        fc.string({ minLength: 1 }),
        fc.constantFrom("app" as const, "instagram" as const),
        (bytes, headers, id, signedWith) => {
          const body = Buffer.from(bytes);
          const req = { id, headers } as unknown as FastifyRequest;
          const raw = toRawWebhook(req, body, signedWith);
          expect(RawWebhook.parse(raw)).toEqual(raw);
          expect(raw.id).toBe(createHash("sha256").update(body).digest("hex"));
          expect(Buffer.from(raw.body, "base64").equals(body)).toBe(true);
          expect(raw.headerNames).toEqual(Object.keys(headers));
        },
      ),
      { numRuns: 500 },
    );
  });
});
