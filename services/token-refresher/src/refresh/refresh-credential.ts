import type { AccountEvent, Credential } from "@igdm/contracts";
import type { TokenCipher } from "@igdm/crypto";
import { GraphApiError, type GraphClient } from "@igdm/meta";
import { errorMessage } from "@igdm/runtime";
import { SUBSCRIBED_FIELDS } from "../subscribed-fields.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RefreshContext {
  graph: GraphClient;
  cipher: TokenCipher;
  /** Identifies this pass: event ids derive from it, so a pass that runs twice publishes each outcome once. */
  runKey: string;
  now: Date;
  leadMs: number;
}

/**
 * One credential's part of the daily pass: user and Instagram tokens close to expiry are exchanged for fresh
 * ones, page tokens are checked with debug_token and their webhook subscription restored if Meta dropped it.
 * A dead token (190, or a permission error) yields `reauth_needed` once and is not retried by later passes;
 * a passing failure yields `token_refresh_failed` and is tried again next pass.
 */
export async function refreshCredential(ctx: RefreshContext, cred: Credential): Promise<AccountEvent[]> {
  const base = (kind: string) => ({ v: 1 as const, id: `${kind}:${cred.subjectType}:${cred.subjectId}:${ctx.runKey}` });
  const subject = { subjectType: cred.subjectType, subjectId: cred.subjectId };
  const at = ctx.now.toISOString();
  try {
    const token = ctx.cipher.decrypt(cred.accessTokenEnc);
    if (cred.subjectType === "page") return await checkPage(ctx, cred, token, base, at);
    if (!expiresSoon(ctx, cred)) return [];
    if (cred.subjectType === "user") {
      const fresh = await ctx.graph.exchangeForLongLivedUserToken(token);
      const info = await ctx.graph.debugToken(fresh.accessToken);
      return [
        {
          ...base("token_refreshed"),
          occurredAt: at,
          kind: "token_refreshed",
          ...subject,
          accessTokenEnc: ctx.cipher.encrypt(fresh.accessToken),
          tokenExpiresAt: info.expiresAt?.toISOString() ?? expiresIn(ctx.now, fresh.expiresIn),
        },
      ];
    }
    // Instagram tokens can be refreshed only once they are at least 24 hours old.
    const issuedAt = cred.tokenIssuedAt ? Date.parse(cred.tokenIssuedAt) : 0;
    if (ctx.now.getTime() - issuedAt < DAY_MS) return [];
    const fresh = await ctx.graph.igRefresh(token);
    return [
      {
        ...base("token_refreshed"),
        occurredAt: at,
        kind: "token_refreshed",
        ...subject,
        accessTokenEnc: ctx.cipher.encrypt(fresh.accessToken),
        tokenExpiresAt: expiresIn(ctx.now, fresh.expiresIn),
      },
    ];
  } catch (err) {
    if (err instanceof GraphApiError && err.action !== "retry") {
      return [
        {
          ...base("reauth_needed"),
          occurredAt: at,
          kind: "reauth_needed",
          ...subject,
          reason: errorMessage(err),
          ...(err.graphCode !== undefined ? { errorCode: err.graphCode } : {}),
          ...(err.subcode !== undefined ? { errorSubcode: err.subcode } : {}),
        },
      ];
    }
    return [
      {
        ...base("token_refresh_failed"),
        occurredAt: at,
        kind: "token_refresh_failed",
        ...subject,
        reason: errorMessage(err),
      },
    ];
  }
}

async function checkPage(
  ctx: RefreshContext,
  cred: Credential,
  token: string,
  base: (kind: string) => { v: 1; id: string },
  at: string,
): Promise<AccountEvent[]> {
  const subject = { subjectType: cred.subjectType, subjectId: cred.subjectId };
  const info = await ctx.graph.debugToken(token);
  if (!info.isValid) {
    return [
      {
        ...base("reauth_needed"),
        occurredAt: at,
        kind: "reauth_needed",
        ...subject,
        reason: "debug_token reports the page token invalid",
        ...(info.errorCode !== undefined ? { errorCode: info.errorCode } : {}),
        ...(info.errorSubcode !== undefined ? { errorSubcode: info.errorSubcode } : {}),
      },
    ];
  }
  const events: AccountEvent[] = [
    {
      ...base("token_validated"),
      occurredAt: at,
      kind: "token_validated",
      ...subject,
      tokenExpiresAt: info.expiresAt?.toISOString() ?? null,
      scopes: info.scopes,
    },
  ];
  // Meta unsubscribes an app after an hour of failed deliveries; a product that loses nothing subscribes again.
  const subscription = await ctx.graph.pageSubscription(cred.subjectId, token);
  if (!subscription.subscribed) {
    await ctx.graph.subscribePage(cred.subjectId, token, SUBSCRIBED_FIELDS);
    const after = await ctx.graph.pageSubscription(cred.subjectId, token);
    events.push({
      ...base("page_subscription"),
      occurredAt: at,
      kind: "page_subscription",
      pageId: cred.subjectId,
      subscribed: after.subscribed,
      fields: after.fields,
      resubscribed: after.subscribed,
    });
  }
  return events;
}

function expiresSoon(ctx: RefreshContext, cred: Credential): boolean {
  if (!cred.tokenExpiresAt) return false;
  return Date.parse(cred.tokenExpiresAt) - ctx.now.getTime() < ctx.leadMs;
}

const expiresIn = (now: Date, seconds?: number) =>
  seconds ? new Date(now.getTime() + seconds * 1000).toISOString() : null;
