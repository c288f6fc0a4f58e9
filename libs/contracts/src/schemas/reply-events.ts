import { z } from "zod";
import { MetaId } from "./event-base.js";

const replyEventBase = {
  v: z.literal(1),
  id: z.string().min(1).max(512),
  occurredAt: z.iso.datetime(),
};

/** Meta allows at most 1000 bytes of UTF-8 per text message. */
export const OutboundText = z
  .string()
  .min(1)
  .refine((t) => Buffer.byteLength(t, "utf8") <= 1000, { message: "must be at most 1000 bytes of UTF-8" });

/** A person asked (through the admin API) to send a message; the responder sends it. */
export const SendRequested = z.object({
  ...replyEventBase,
  kind: z.literal("send_requested"),
  /** The command id the admin API answered with; also the send's id. */
  commandId: z.string().min(1).max(128),
  /** Our Instagram account (or page) to send from. */
  accountId: MetaId,
  recipientId: MetaId,
  text: OutboundText,
});
export type SendRequested = z.infer<typeof SendRequested>;

/** Meta accepted a message we sent; the later echo webhook carries `messageId` as its mid and merges with it. */
export const ReplySent = z.object({
  ...replyEventBase,
  kind: z.literal("reply_sent"),
  /** `reply:<inbound mid>` for automatic replies, the command id for manual sends. */
  sendId: z.string().min(1).max(512),
  accountId: MetaId,
  pageId: MetaId.optional(),
  recipientId: MetaId,
  text: z.string(),
  messageId: MetaId,
  inReplyTo: z.string().optional(),
  ruleId: z.string().optional(),
});
export type ReplySent = z.infer<typeof ReplySent>;

/** A send that will not happen, with why (outside the 24 h window, user unavailable, token dead, …). */
export const ReplyFailed = z.object({
  ...replyEventBase,
  kind: z.literal("reply_failed"),
  sendId: z.string().min(1).max(512),
  accountId: MetaId,
  recipientId: MetaId,
  text: z.string(),
  reason: z.string().min(1),
  errorCode: z.number().int().optional(),
  errorSubcode: z.number().int().optional(),
  inReplyTo: z.string().optional(),
  ruleId: z.string().optional(),
});
export type ReplyFailed = z.infer<typeof ReplyFailed>;
