import { Sha256Hex, type WebhookEvent } from "@igdm/contracts";
import { z } from "zod";
import { decodeJsonBody } from "./decode-body.js";
import { ITEM_CHANNELS, MetaEnvelope } from "./envelope.js";
import { isJsonObject } from "./json-values.js";
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

/**
 * Meta batches at most 1000 updates in one delivery. Ten times that maps in well under a second, while a 4 MB body
 * of a million `{}` items held the normalizer's event loop for half a minute and most of a gigabyte (found by fuzzing).
 */
export const MAX_ITEMS_PER_WEBHOOK = 10_000;

/** The events a body would map to at most: its items, or one per entry or item list that is not one. */
function itemCount(entries: readonly unknown[]): number {
  let n = 0;
  for (const e of entries) {
    let items = 0;
    if (isJsonObject(e)) {
      for (const channel of ITEM_CHANNELS) {
        const list = e[channel];
        if (list !== undefined) items += Array.isArray(list) ? list.length : 1;
      }
    }
    n += Math.max(items, 1);
  }
  return n;
}

const refuse = (what: string, error: z.ZodError): NormalizeResult => ({
  ok: false,
  reason: `${what}: ${describeIssues(error.issues)}`,
});

/**
 * One raw Meta webhook body -> its domain events, one per messaging/standby/changes item. Refuses (ok:false) only
 * a body that is not UTF-8 JSON, not a Meta envelope, nested absurdly deep or carrying absurdly many items; every
 * other shape becomes events, unknown ones included.
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
    const items = itemCount(entry);
    if (items > MAX_ITEMS_PER_WEBHOOK) {
      return {
        ok: false,
        reason: `body carries ${items} items, more than the ${MAX_ITEMS_PER_WEBHOOK} one webhook may hold`,
      };
    }
    const events = entry.flatMap((e, entryIndex) => mapEntry({ ...delivery.data, object, entryIndex }, e));
    return { ok: true, events };
  } catch (error) {
    return { ok: false, reason: `normalizer bug: ${error instanceof Error ? error.message : String(error)}` };
  }
}
