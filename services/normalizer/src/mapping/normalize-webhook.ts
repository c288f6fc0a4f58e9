import { Sha256Hex, type WebhookEvent } from "@igdm/contracts";
import { z } from "zod";
import { decodeJsonBody } from "./decode-body.js";
import { MetaEnvelope } from "./envelope.js";
import { mapEntry } from "./map-entry.js";
import { describeIssues } from "./zod-issues.js";

export type NormalizeResult = { ok: true; events: WebhookEvent[] } | { ok: false; reason: string };

export interface NormalizeInput {
  /** The exact bytes Meta sent (RawWebhook.body decoded from base64). */
  body: Uint8Array;
  /** RawWebhook.id (sha256 of the body). */
  webhookId: string;
  /** Sequence of the raw webhook in the WEBHOOKS stream. */
  streamSeq: number;
  /** RawWebhook.receivedAt: the only clock this mapping uses. */
  receivedAt: string;
}

// Checked up front: a bad value here would make every event, even the unrecognised ones, fail the contract.
const DeliveryFields = z.object({
  webhookId: Sha256Hex,
  streamSeq: z.number().int().nonnegative(),
  receivedAt: z.iso.datetime(),
});

const refuse = (what: string, error: z.ZodError): NormalizeResult => ({
  ok: false,
  reason: `${what}: ${describeIssues(error.issues)}`,
});

/**
 * One raw Meta webhook body -> its domain events, one per messaging/standby/changes item. Refuses (ok:false) only
 * a body that is not UTF-8 JSON or not a Meta envelope; every other shape becomes events, unknown ones included.
 * Pure and total: no I/O, no clock, and even a bug comes back as ok:false rather than an exception.
 */
export function normalizeWebhook(input: NormalizeInput): NormalizeResult {
  try {
    const delivery = DeliveryFields.safeParse(input);
    if (!delivery.success) return refuse("invalid delivery metadata", delivery.error);
    const decoded = decodeJsonBody(input.body);
    if (!decoded.ok) return decoded;
    const envelope = MetaEnvelope.safeParse(decoded.json);
    if (!envelope.success) return refuse("body is not a Meta webhook envelope", envelope.error);

    const { object, entry } = envelope.data;
    const events = entry.flatMap((e, entryIndex) => mapEntry({ ...delivery.data, object, entryIndex }, e));
    return { ok: true, events };
  } catch (error) {
    return { ok: false, reason: `normalizer bug: ${error instanceof Error ? error.message : String(error)}` };
  }
}
