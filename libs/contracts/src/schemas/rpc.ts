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
