import { z } from "zod";
import { eventBase, MetaId, parties } from "./event-base.js";

export const Attachment = z.object({
  /** image, video, audio, file, share, story_mention, ig_reel, reel, ephemeral, ig_post, or anything new. */
  type: z.string().min(1),
  /** CDN link; expires, and vanishes when the sender deletes the content. Absent for ephemeral media. */
  url: z.string().optional(),
  title: z.string().optional(),
  reelVideoId: z.string().optional(),
  /** The attachment's payload as Meta sent it, so new fields are never lost. */
  payload: z.record(z.string(), z.unknown()).optional(),
});
export type Attachment = z.infer<typeof Attachment>;

export const ReplyTo = z.object({
  mid: z.string().optional(),
  story: z.object({ id: z.string().optional(), url: z.string().optional() }).optional(),
});
export type ReplyTo = z.infer<typeof ReplyTo>;

export const Referral = z.object({
  ref: z.string().optional(),
  source: z.string().optional(),
  type: z.string().optional(),
  adId: z.string().optional(),
  /** Click-to-DM ads: ad title, photo, video, post id … as Meta sent them. */
  adsContextData: z.record(z.string(), z.unknown()).optional(),
});
export type Referral = z.infer<typeof Referral>;

/** A message sent by a user to us (inbound) or by our account (echo, outbound). */
export const MessageReceived = z.object({
  ...eventBase,
  kind: z.literal("message"),
  ...parties,
  mid: MetaId,
  direction: z.enum(["inbound", "outbound"]),
  isEcho: z.boolean(),
  text: z.string().optional(),
  attachments: z.array(Attachment),
  quickReplyPayload: z.string().optional(),
  replyTo: ReplyTo.optional(),
  referral: Referral.optional(),
  /** Meta could not render it (e.g. a type the API does not expose). */
  isUnsupported: z.boolean(),
  /** Sent by the "Test" button of Meta's dashboard (entry id "0"). */
  isTest: z.boolean(),
});
export type MessageReceived = z.infer<typeof MessageReceived>;

/** The sender unsent a message: same mid, `is_deleted`. */
export const MessageDeleted = z.object({
  ...eventBase,
  kind: z.literal("message_deleted"),
  ...parties,
  mid: MetaId,
});
export type MessageDeleted = z.infer<typeof MessageDeleted>;

export const MessageEdited = z.object({
  ...eventBase,
  kind: z.literal("message_edited"),
  ...parties,
  mid: MetaId,
  text: z.string(),
  /** Meta's running count; the highest count wins whatever order edits arrive in. */
  numEdit: z.number().int().nonnegative(),
});
export type MessageEdited = z.infer<typeof MessageEdited>;

export const ReactionChanged = z.object({
  ...eventBase,
  kind: z.literal("reaction"),
  ...parties,
  mid: MetaId,
  action: z.enum(["react", "unreact"]),
  reaction: z.string().optional(),
  emoji: z.string().optional(),
});
export type ReactionChanged = z.infer<typeof ReactionChanged>;

export const PostbackReceived = z.object({
  ...eventBase,
  kind: z.literal("postback"),
  ...parties,
  mid: z.string().optional(),
  title: z.string().optional(),
  payload: z.string().optional(),
});
export type PostbackReceived = z.infer<typeof PostbackReceived>;

export const MessageRead = z.object({
  ...eventBase,
  kind: z.literal("read"),
  ...parties,
  /** The last message the reader has seen. */
  mid: MetaId,
});
export type MessageRead = z.infer<typeof MessageRead>;

/** A user entered the conversation through a link, ad or other referral without sending a message. */
export const ReferralReceived = z.object({
  ...eventBase,
  kind: z.literal("referral"),
  ...parties,
  referral: Referral,
});
export type ReferralReceived = z.infer<typeof ReferralReceived>;
