import { z } from "zod";

/**
 * What makes a body a Meta webhook at all. Lenient on purpose: unknown keys pass through, and entries are checked
 * one by one (MetaEntry) so one odd entry becomes an `unrecognised` event instead of failing the whole body.
 */
export const MetaEnvelope = z.looseObject({
  object: z.string().min(1),
  entry: z.array(z.unknown()),
});
export type MetaEnvelope = z.infer<typeof MetaEnvelope>;

/**
 * One entry[]. Only the id is required here; the item lists are checked one by one in entry.ts, so a list that is
 * not an array is surfaced on its own channel while the entry's other lists still map. Other keys stay in the raw log.
 */
export const MetaEntry = z.looseObject({
  /** Sent as a JSON string; a number is accepted and converted (exact only below 2^53). */
  id: z.union([z.string().min(1).max(256), z.number().finite()]),
  /** ms for messaging, possibly seconds for changes: see timestamps.ts. */
  time: z.unknown().optional(),
  messaging: z.unknown().optional(),
  standby: z.unknown().optional(),
  changes: z.unknown().optional(),
});
export type MetaEntry = z.infer<typeof MetaEntry>;

/** The item lists of an entry, in the order their events are emitted. */
export const ITEM_CHANNELS = ["messaging", "standby", "changes"] as const;
export type ItemChannel = (typeof ITEM_CHANNELS)[number];
