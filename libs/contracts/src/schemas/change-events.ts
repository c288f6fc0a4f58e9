import { z } from "zod";
import { eventBase, MetaId } from "./event-base.js";

/** A comment (or live comment) on one of our media. */
export const CommentReceived = z.object({
  ...eventBase,
  kind: z.literal("comment"),
  field: z.enum(["comments", "live_comments"]),
  commentId: MetaId,
  text: z.string().optional(),
  fromId: z.string().optional(),
  fromUsername: z.string().optional(),
  mediaId: z.string().optional(),
  mediaProductType: z.string().optional(),
  parentId: z.string().optional(),
});
export type CommentReceived = z.infer<typeof CommentReceived>;

/** Our account was @mentioned in a caption or comment. */
export const MentionReceived = z.object({
  ...eventBase,
  kind: z.literal("mention"),
  mediaId: z.string().optional(),
  commentId: z.string().optional(),
});
export type MentionReceived = z.infer<typeof MentionReceived>;

/** Anything the normalizer does not know yet: kept whole, surfaced, never dropped. */
export const UnrecognisedEvent = z.object({
  ...eventBase,
  kind: z.literal("unrecognised"),
  /** Why it was not mapped, e.g. "messaging item with no known event field (keys: foo, sender)". */
  reason: z.string().min(1),
  /** The item exactly as it appeared in the body. */
  raw: z.unknown(),
});
export type UnrecognisedEvent = z.infer<typeof UnrecognisedEvent>;
