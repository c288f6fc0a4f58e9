import { z } from "zod";
import { Sha256Hex } from "./raw-webhook.js";

/** Meta ids are numeric strings that exceed JavaScript's safe integers: always strings here. */
export const MetaId = z.string().min(1).max(256);

/** Where an event came from, for traceability back to the exact raw delivery. */
export const EventSource = z.object({
  /** RawWebhook.id: sha256 of the body. */
  webhookId: Sha256Hex,
  /** Sequence of the raw webhook in the WEBHOOKS stream. */
  streamSeq: z.number().int().nonnegative(),
  entryIndex: z.number().int().nonnegative(),
  /** Where the item sat: entry.messaging[], entry.standby[] (another app owns the thread) or entry.changes[]. */
  channel: z.enum(["messaging", "standby", "changes", "entry"]),
  itemIndex: z.number().int().nonnegative(),
});
export type EventSource = z.infer<typeof EventSource>;

/** Fields every domain event carries. */
export const eventBase = {
  v: z.literal(1),
  /** Deterministic: derived from Meta's ids and the kind. Used as Nats-Msg-Id and as the idempotency key. */
  id: z.string().min(1).max(512),
  /** The envelope's `object`: "instagram", or "page" for Messenger traffic. */
  object: z.string().min(1),
  /** entry.id: our Instagram account (or Page) the event belongs to; "0" for the dashboard's test event. */
  accountId: MetaId,
  /** Meta's timestamp of the event (delivery order is not guaranteed; order by this). */
  occurredAt: z.iso.datetime(),
  receivedAt: z.iso.datetime(),
  source: EventSource,
};

/** The two parties of a messaging item. Inbound: sender = the user (IGSID), recipient = our account. */
export const parties = {
  senderId: MetaId,
  recipientId: MetaId,
};
