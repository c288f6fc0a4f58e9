import { z } from "zod";
import { EncryptedToken, TokenSubjectType } from "./account-events.js";
import { MetaId } from "./event-base.js";

/** A typed error answer: services never answer a request with silence or a stack trace. */
export const RpcError = z.object({
  ok: z.literal(false),
  /** Stable code, e.g. "IGDM_ERR_OAUTH_CODE_REJECTED". */
  code: z.string().min(1),
  message: z.string().min(1),
});
export type RpcError = z.infer<typeof RpcError>;

export const LoginFlow = z.enum(["facebook", "instagram"]);
export type LoginFlow = z.infer<typeof LoginFlow>;

/**
 * ingress -> token-refresher: start an OAuth login. token-refresher owns the one-time `state` (in its KV bucket)
 * and the app's id and redirect URI; ingress only redirects the browser to the URL it gets back.
 */
export const BeginLoginRequest = z.object({ v: z.literal(1), flow: LoginFlow });
export type BeginLoginRequest = z.infer<typeof BeginLoginRequest>;

export const BeginLoginReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), url: z.url(), state: z.string().min(16) }),
  RpcError,
]);
export type BeginLoginReply = z.infer<typeof BeginLoginReply>;

/**
 * ingress -> token-refresher: the OAuth callback's `state` and `code`. The state is consumed (unknown, reused or
 * expired: error IGDM_ERR_OAUTH_STATE, nothing done), then the code is exchanged and everything it grants connected.
 */
export const ConnectAccountRequest = z.object({
  v: z.literal(1),
  state: z.string().min(1).max(256),
  code: z.string().min(1).max(2048),
});
export type ConnectAccountRequest = z.infer<typeof ConnectAccountRequest>;

export const ConnectedInstagramAccount = z.object({ id: MetaId, username: z.string().optional() });

export const ConnectAccountReply = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    user: z.object({ id: MetaId, name: z.string().optional() }).optional(),
    pages: z.array(
      z.object({
        id: MetaId,
        name: z.string().optional(),
        subscribed: z.boolean(),
        instagramAccount: ConnectedInstagramAccount.optional(),
      }),
    ),
    instagramAccounts: z.array(ConnectedInstagramAccount),
  }),
  RpcError,
]);
export type ConnectAccountReply = z.infer<typeof ConnectAccountReply>;

/** token-refresher -> persister: every credential that is not revoked, for the daily pass. */
export const ListCredentialsRequest = z.object({ v: z.literal(1) });
export type ListCredentialsRequest = z.infer<typeof ListCredentialsRequest>;

export const Credential = z.object({
  subjectType: TokenSubjectType,
  subjectId: MetaId,
  accessTokenEnc: EncryptedToken,
  tokenExpiresAt: z.iso.datetime().nullable(),
  tokenRefreshedAt: z.iso.datetime().nullable(),
  /** When the token was issued or last refreshed (Instagram tokens refresh only once 24 hours old). */
  tokenIssuedAt: z.iso.datetime().nullable(),
  status: z.enum(["valid", "expiring", "invalid", "revoked"]),
  /** Pages only: our webhook subscription as last recorded. */
  subscribed: z.boolean().optional(),
});
export type Credential = z.infer<typeof Credential>;

export const ListCredentialsReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), credentials: z.array(Credential) }),
  RpcError,
]);
export type ListCredentialsReply = z.infer<typeof ListCredentialsReply>;

/** responder -> persister: how to send from an account (its page's token, or its own for Instagram Login). */
export const SenderCredentialRequest = z.object({ v: z.literal(1), accountId: MetaId });
export type SenderCredentialRequest = z.infer<typeof SenderCredentialRequest>;

export const SenderCredentialReply = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    accountId: MetaId,
    /** Facebook Login: the page to send through (`/{page-id}/messages`); Instagram Login: the account itself. */
    senderId: MetaId,
    loginType: z.enum(["facebook", "instagram"]),
    /** Whose token it is, for a re-auth signal: the page, or the Instagram account. */
    tokenSubject: z.object({ subjectType: TokenSubjectType, subjectId: MetaId }),
    accessTokenEnc: EncryptedToken,
    tokenStatus: z.enum(["valid", "expiring", "invalid", "revoked"]),
  }),
  RpcError,
]);
export type SenderCredentialReply = z.infer<typeof SenderCredentialReply>;

/** responder -> persister: the account's enabled auto-reply rules. */
export const ReplyRulesRequest = z.object({ v: z.literal(1), accountId: MetaId });
export type ReplyRulesRequest = z.infer<typeof ReplyRulesRequest>;

export const ReplyRule = z.object({
  id: z.string().min(1),
  /** keyword: answers messages that match; default: answers anything else (subject to the cooldown). */
  kind: z.enum(["keyword", "default"]),
  match: z.enum(["exact", "contains"]).optional(),
  keyword: z.string().optional(),
  reply: z.string().min(1),
  priority: z.number().int(),
});
export type ReplyRule = z.infer<typeof ReplyRule>;

export const ReplyRulesReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), rules: z.array(ReplyRule) }),
  RpcError,
]);
export type ReplyRulesReply = z.infer<typeof ReplyRulesReply>;

/** -> persister: when the user last wrote to the account (the 24-hour window to answer in). */
export const LastInboundRequest = z.object({ v: z.literal(1), accountId: MetaId, userId: MetaId });
export type LastInboundRequest = z.infer<typeof LastInboundRequest>;

export const LastInboundReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), lastInboundAt: z.iso.datetime().nullable() }),
  RpcError,
]);
export type LastInboundReply = z.infer<typeof LastInboundReply>;

/** -> persister: the state of a send command. */
export const SendStatusRequest = z.object({ v: z.literal(1), sendId: z.string().min(1).max(512) });
export type SendStatusRequest = z.infer<typeof SendStatusRequest>;

export const SendStatusReply = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    sendId: z.string(),
    status: z.enum(["queued", "sent", "failed"]),
    messageId: z.string().optional(),
    reason: z.string().optional(),
    updatedAt: z.iso.datetime(),
  }),
  RpcError,
]);
export type SendStatusReply = z.infer<typeof SendStatusReply>;

/** ingress (admin) -> responder: queue a manual send; refused outside the 24-hour window. */
export const ManualSendRequest = z.object({
  v: z.literal(1),
  accountId: MetaId,
  recipientId: MetaId,
  text: z.string().min(1).max(4000),
});
export type ManualSendRequest = z.infer<typeof ManualSendRequest>;

export const ManualSendReply = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), commandId: z.string() }),
  RpcError,
]);
export type ManualSendReply = z.infer<typeof ManualSendReply>;
