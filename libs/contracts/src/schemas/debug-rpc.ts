import { z } from "zod";
import { MetaId } from "./event-base.js";
import { RpcError } from "./rpc.js";

/*
 * Read-only views for operators, answered by the persister on `<prefix>igdm.rpc.persister.<operation>` (so they
 * are also reachable with `nats req`). No view ever carries a token or its ciphertext: a fingerprint stands in.
 */

const TokenStatus = z.enum(["valid", "expiring", "invalid", "revoked"]);
const Limit = z.coerce.number().int().min(1).max(200).default(20);
const Timestamp = z.iso.datetime().nullable();

/** debug-messages: the newest messages first, optionally of one Instagram account. */
export const DebugMessagesRequest = z.object({ v: z.literal(1), limit: Limit, igId: MetaId.optional() });
export type DebugMessagesRequest = z.infer<typeof DebugMessagesRequest>;

export const DebugMessage = z.object({
  messageId: z.string(),
  direction: z.enum(["inbound", "outbound"]).nullable(),
  igId: z.string().nullable(),
  pageId: z.string().nullable(),
  senderId: z.string().nullable(),
  recipientId: z.string().nullable(),
  text: z.string().nullable(),
  attachments: z.array(z.unknown()),
  isEcho: z.boolean(),
  isDeleted: z.boolean(),
  editCount: z.number().int(),
  sentAt: Timestamp,
  updatedAt: z.iso.datetime(),
});
export type DebugMessage = z.infer<typeof DebugMessage>;

export const DebugMessagesReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), messages: z.array(DebugMessage) }),
  RpcError,
]);
export type DebugMessagesReply = z.infer<typeof DebugMessagesReply>;

/** debug-pages: connected pages with their Instagram accounts, plus accounts connected with Instagram Login. */
export const DebugPagesRequest = z.object({ v: z.literal(1) });
export type DebugPagesRequest = z.infer<typeof DebugPagesRequest>;

export const DebugInstagramAccount = z.object({
  id: z.string(),
  username: z.string().nullable(),
  loginType: z.enum(["facebook", "instagram"]),
  pageId: z.string().nullable(),
  /** Instagram Login accounts hold their own token; Facebook Login ones use their page's (null here). */
  tokenStatus: TokenStatus.nullable(),
  tokenExpiresAt: Timestamp,
});
export type DebugInstagramAccount = z.infer<typeof DebugInstagramAccount>;

export const DebugPage = z.object({
  id: z.string(),
  name: z.string().nullable(),
  userId: z.string().nullable(),
  subscribed: z.boolean(),
  subscribedFields: z.array(z.string()),
  lastSubscribedAt: Timestamp,
  tokenStatus: TokenStatus,
  hasToken: z.boolean(),
  instagramAccounts: z.array(DebugInstagramAccount),
});
export type DebugPage = z.infer<typeof DebugPage>;

export const DebugPagesReply = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    pages: z.array(DebugPage),
    /** Accounts connected with Instagram Login (no page). */
    instagramAccounts: z.array(DebugInstagramAccount),
  }),
  RpcError,
]);
export type DebugPagesReply = z.infer<typeof DebugPagesReply>;

/** debug-tokens: one line per stored user, page and Instagram Login account. */
export const DebugTokensRequest = z.object({ v: z.literal(1) });
export type DebugTokensRequest = z.infer<typeof DebugTokensRequest>;

export const DebugToken = z.object({
  subjectType: z.enum(["user", "page", "instagram_account"]),
  subjectId: z.string(),
  status: TokenStatus,
  hasToken: z.boolean(),
  expiresAt: Timestamp,
  refreshedAt: Timestamp,
  lastValidatedAt: Timestamp,
  /** First 12 hex characters of sha256 of the stored ciphertext: tells tokens apart, reveals nothing. */
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{12}$/)
    .nullable(),
});
export type DebugToken = z.infer<typeof DebugToken>;

export const DebugTokensReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), tokens: z.array(DebugToken) }),
  RpcError,
]);
export type DebugTokensReply = z.infer<typeof DebugTokensReply>;

/** debug-dlq: the newest dead letters first, optionally of one service. */
export const DebugDeadLettersRequest = z.object({
  v: z.literal(1),
  limit: Limit,
  service: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/)
    .optional(),
});
export type DebugDeadLettersRequest = z.infer<typeof DebugDeadLettersRequest>;

export const DebugDeadLetter = z.object({
  /** Sequence of the dead letter in the DLQ stream. */
  dlqSeq: z.number().int().nonnegative(),
  service: z.string(),
  stream: z.string(),
  consumer: z.string(),
  subject: z.string(),
  streamSeq: z.number().int().nonnegative(),
  deliveryCount: z.number().int().nonnegative(),
  reason: z.string(),
  failedAt: z.iso.datetime(),
  payloadBytes: z.number().int().nonnegative(),
  /** The start of the payload as text, ciphertexts replaced by `[encrypted]`. */
  payloadPreview: z.string(),
});
export type DebugDeadLetter = z.infer<typeof DebugDeadLetter>;

export const DebugDeadLettersReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), deadLetters: z.array(DebugDeadLetter) }),
  RpcError,
]);
export type DebugDeadLettersReply = z.infer<typeof DebugDeadLettersReply>;

/** deletion-status: what became of a data-deletion request (the status page Meta links people to). */
export const DeletionStatusRequest = z.object({
  v: z.literal(1),
  confirmationCode: z.string().regex(/^[A-Za-z0-9]{16,64}$/),
});
export type DeletionStatusRequest = z.infer<typeof DeletionStatusRequest>;

export const DeletionStatusReply = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    confirmationCode: z.string(),
    status: z.enum(["completed", "failed"]),
    requestedAt: z.iso.datetime(),
    completedAt: Timestamp,
    /** Rows deleted per table. */
    deleted: z.record(z.string(), z.number().int().nonnegative()),
  }),
  RpcError,
]);
export type DeletionStatusReply = z.infer<typeof DeletionStatusReply>;
