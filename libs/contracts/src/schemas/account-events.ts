import { z } from "zod";
import { MetaId } from "./event-base.js";

/**
 * Account and token events, published by token-refresher on EVENTS and written by the persister. Tokens only ever
 * travel as ciphertext (`v1.<key id>.<iv>.<ciphertext>.<tag>`, AES-256-GCM), never in clear.
 */
const accountEventBase = {
  v: z.literal(1),
  /** Deterministic per operation (connect attempt, refresh run), so replicas and retries de-duplicate. */
  id: z.string().min(1).max(512),
  occurredAt: z.iso.datetime(),
};

export const EncryptedToken = z
  .string()
  .regex(/^v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, {
    message: "expected an encrypted token (v1.<key id>.<iv>.<ciphertext>.<tag>)",
  });
export type EncryptedToken = z.infer<typeof EncryptedToken>;

export const TokenSubjectType = z.enum(["user", "page", "instagram_account"]);
export type TokenSubjectType = z.infer<typeof TokenSubjectType>;

export const UserConnected = z.object({
  ...accountEventBase,
  kind: z.literal("user_connected"),
  userId: MetaId,
  name: z.string().optional(),
  accessTokenEnc: EncryptedToken,
  /** null: the token does not expire by date. */
  tokenExpiresAt: z.iso.datetime().nullable(),
  scopes: z.array(z.string()),
});
export type UserConnected = z.infer<typeof UserConnected>;

export const PageConnected = z.object({
  ...accountEventBase,
  kind: z.literal("page_connected"),
  pageId: MetaId,
  userId: MetaId,
  name: z.string().optional(),
  accessTokenEnc: EncryptedToken,
});
export type PageConnected = z.infer<typeof PageConnected>;

export const InstagramAccountLinked = z.object({
  ...accountEventBase,
  kind: z.literal("instagram_account_linked"),
  igId: MetaId,
  username: z.string().optional(),
  loginType: z.enum(["facebook", "instagram"]),
  /** Facebook Login: the page the account hangs off and the user who connected it. */
  pageId: MetaId.optional(),
  userId: MetaId.optional(),
  /** Instagram Login: the person's app-scoped id, which Instagram's deauthorize and data-deletion callbacks name. */
  appScopedUserId: MetaId.optional(),
  /** Instagram Login: the account's own long-lived token. */
  accessTokenEnc: EncryptedToken.optional(),
  tokenExpiresAt: z.iso.datetime().nullable().optional(),
});
export type InstagramAccountLinked = z.infer<typeof InstagramAccountLinked>;

/** Our app's webhook subscription on a page, as last checked or changed. */
export const PageSubscriptionChanged = z.object({
  ...accountEventBase,
  kind: z.literal("page_subscription"),
  pageId: MetaId,
  subscribed: z.boolean(),
  fields: z.array(z.string()),
  /** True when the daily check found Meta had unsubscribed the page and we subscribed it again. */
  resubscribed: z.boolean(),
});
export type PageSubscriptionChanged = z.infer<typeof PageSubscriptionChanged>;

export const TokenRefreshed = z.object({
  ...accountEventBase,
  kind: z.literal("token_refreshed"),
  subjectType: TokenSubjectType,
  subjectId: MetaId,
  accessTokenEnc: EncryptedToken,
  tokenExpiresAt: z.iso.datetime().nullable(),
});
export type TokenRefreshed = z.infer<typeof TokenRefreshed>;

/** debug_token said the token is valid (page tokens have no date to refresh by; they are checked instead). */
export const TokenValidated = z.object({
  ...accountEventBase,
  kind: z.literal("token_validated"),
  subjectType: TokenSubjectType,
  subjectId: MetaId,
  tokenExpiresAt: z.iso.datetime().nullable(),
  scopes: z.array(z.string()),
});
export type TokenValidated = z.infer<typeof TokenValidated>;

/** A refresh or check failed for a reason that may pass (Graph 5xx, rate limit); it is tried again next run. */
export const TokenRefreshFailed = z.object({
  ...accountEventBase,
  kind: z.literal("token_refresh_failed"),
  subjectType: TokenSubjectType,
  subjectId: MetaId,
  reason: z.string().min(1),
});
export type TokenRefreshFailed = z.infer<typeof TokenRefreshFailed>;

/** The token is dead (190, revoked, expired): the account is marked invalid until its owner connects again. */
export const ReauthNeeded = z.object({
  ...accountEventBase,
  kind: z.literal("reauth_needed"),
  subjectType: TokenSubjectType,
  subjectId: MetaId,
  reason: z.string().min(1),
  errorCode: z.number().int().optional(),
  errorSubcode: z.number().int().optional(),
});
export type ReauthNeeded = z.infer<typeof ReauthNeeded>;

export const AccountEvent = z.discriminatedUnion("kind", [
  UserConnected,
  PageConnected,
  InstagramAccountLinked,
  PageSubscriptionChanged,
  TokenRefreshed,
  TokenValidated,
  TokenRefreshFailed,
  ReauthNeeded,
]);
export type AccountEvent = z.infer<typeof AccountEvent>;
export type AccountEventKind = AccountEvent["kind"];
export const ACCOUNT_EVENT_KINDS = AccountEvent.options.map((o) => o.shape.kind.value) as AccountEventKind[];
