import { z } from "zod";
import { GraphResponseError } from "./errors.js";
import { type GraphContext, joinUrl } from "./http.js";

export interface AccessTokenResult {
  accessToken: string;
  /** Seconds; Meta omits it for tokens that do not expire by date. */
  expiresIn?: number;
}

export interface FacebookUser {
  id: string;
  name?: string;
}

export interface FacebookPage {
  id: string;
  name?: string;
  /** The Page access token (does not expire by date; dies on password change, role or app removal). */
  accessToken: string;
  /** The Instagram professional account linked to the Page, when there is one. */
  instagramAccount?: { id: string; username?: string };
}

export interface TokenDebugInfo {
  isValid: boolean;
  /** null when the token never expires by date (Meta's `expires_at: 0`) or Meta did not say. */
  expiresAt: Date | null;
  scopes: string[];
  userId?: string;
  /** USER, PAGE, APP, ... */
  type?: string;
  /** Why the token is invalid (e.g. 190 / 460 after a password change). */
  errorCode?: number;
  errorSubcode?: number;
}

export interface PageSubscription {
  /** Our app (by `appId`) is subscribed to the Page's webhooks. */
  subscribed: boolean;
  /** The fields our app is subscribed to; empty when not subscribed. */
  fields: string[];
}

const id = z.union([z.string().min(1), z.number()]).transform(String);

const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().optional(),
});

const meSchema = z.object({ id, name: z.string().optional() });

const pagesSchema = z.object({
  data: z.array(
    z.object({
      id,
      name: z.string().optional(),
      access_token: z.string().min(1),
      instagram_business_account: z.object({ id, username: z.string().optional() }).optional(),
    }),
  ),
  paging: z.object({ next: z.string().optional() }).optional(),
});

const debugTokenSchema = z.object({
  data: z.object({
    is_valid: z.boolean(),
    expires_at: z.number().optional(),
    scopes: z.array(z.string()).optional(),
    user_id: id.optional(),
    type: z.string().optional(),
    error: z.object({ code: z.number().optional(), subcode: z.number().optional() }).optional(),
  }),
});

const successSchema = z.object({ success: z.boolean() });

const subscribedAppsSchema = z.object({
  data: z.array(z.object({ id, subscribed_fields: z.array(z.string()).optional() })),
});

/** Meta's paging can in theory go on for ever: stop (loudly) well past any real number of Pages. */
const MAX_PAGES_REQUESTS = 100;

function tokenResult(t: z.infer<typeof tokenSchema>): AccessTokenResult {
  return t.expires_in === undefined
    ? { accessToken: t.access_token }
    : { accessToken: t.access_token, expiresIn: t.expires_in };
}

function versioned(ctx: GraphContext, ...segments: string[]): string {
  return joinUrl(`${ctx.config.graphBaseUrl}/${ctx.config.apiVersion}`, ...segments);
}

/** Facebook Login: the dialog's `code` -> a short-lived user token. */
export async function exchangeCode(ctx: GraphContext, code: string, redirectUri: string): Promise<AccessTokenResult> {
  const { appId, appSecret } = ctx.config;
  const t = await ctx.http.request({
    method: "GET",
    url: versioned(ctx, "oauth", "access_token"),
    searchParams: { client_id: appId, redirect_uri: redirectUri, client_secret: appSecret, code },
    schema: tokenSchema,
    secrets: [code],
  });
  return tokenResult(t);
}

/** A short-lived user token -> a long-lived one (~60 days). */
export async function exchangeForLongLivedUserToken(ctx: GraphContext, shortToken: string): Promise<AccessTokenResult> {
  const { appId, appSecret } = ctx.config;
  const t = await ctx.http.request({
    method: "GET",
    url: versioned(ctx, "oauth", "access_token"),
    searchParams: {
      grant_type: "fb_exchange_token",
      client_id: appId,
      client_secret: appSecret,
      fb_exchange_token: shortToken,
    },
    schema: tokenSchema,
    secrets: [shortToken],
  });
  return tokenResult(t);
}

export async function me(ctx: GraphContext, userToken: string): Promise<FacebookUser> {
  const u = await ctx.http.request({
    method: "GET",
    url: versioned(ctx, "me"),
    searchParams: { fields: "id,name", access_token: userToken },
    schema: meSchema,
    secrets: [userToken],
  });
  return u.name === undefined ? { id: u.id } : { id: u.id, name: u.name };
}

/**
 * The user's Pages with their Page tokens and linked Instagram accounts, following `paging.next` to the end.
 * `paging.next` is only followed on the configured Graph host (it carries the token).
 */
export async function listPages(ctx: GraphContext, userToken: string): Promise<FacebookPage[]> {
  const pages: FacebookPage[] = [];
  const origin = new URL(ctx.config.graphBaseUrl).origin;
  let url = versioned(ctx, "me", "accounts");
  const where = { method: "GET", path: new URL(url).pathname };
  let searchParams: Record<string, string> | undefined = {
    fields: "id,name,access_token,instagram_business_account{id,username}",
    access_token: userToken,
  };
  for (let requests = 1; ; requests++) {
    const page = await ctx.http.request({
      method: "GET",
      url,
      ...(searchParams ? { searchParams } : {}),
      schema: pagesSchema,
      secrets: [userToken],
    });
    for (const p of page.data) {
      const item: FacebookPage = { id: p.id, accessToken: p.access_token };
      if (p.name !== undefined) item.name = p.name;
      const ig = p.instagram_business_account;
      if (ig) item.instagramAccount = ig.username === undefined ? { id: ig.id } : { id: ig.id, username: ig.username };
      pages.push(item);
    }
    const next = page.paging?.next;
    if (!next || page.data.length === 0) return pages;
    let nextUrl: URL;
    try {
      nextUrl = new URL(next);
    } catch {
      throw ctx.http.rejectAnswer(
        new GraphResponseError("Graph GET /me/accounts answered an invalid paging.next URL", { ...where, status: 200 }),
      );
    }
    if (nextUrl.origin !== origin) {
      throw ctx.http.rejectAnswer(
        new GraphResponseError(`Graph GET /me/accounts paging.next points to another host (${nextUrl.origin})`, {
          ...where,
          status: 200,
        }),
      );
    }
    if (requests >= MAX_PAGES_REQUESTS) {
      throw ctx.http.rejectAnswer(
        new GraphResponseError(`Graph GET /me/accounts paging did not end after ${MAX_PAGES_REQUESTS} requests`, {
          ...where,
          status: 200,
        }),
      );
    }
    if (!nextUrl.searchParams.has("access_token")) nextUrl.searchParams.set("access_token", userToken);
    url = nextUrl.toString();
    searchParams = undefined;
  }
}

/** Inspects any token with the app token (`<appId>|<appSecret>`). */
export async function debugToken(ctx: GraphContext, token: string): Promise<TokenDebugInfo> {
  const { appId, appSecret } = ctx.config;
  const { data } = await ctx.http.request({
    method: "GET",
    url: versioned(ctx, "debug_token"),
    searchParams: { input_token: token, access_token: `${appId}|${appSecret}` },
    schema: debugTokenSchema,
    secrets: [token],
  });
  const info: TokenDebugInfo = {
    isValid: data.is_valid,
    expiresAt: data.expires_at ? new Date(data.expires_at * 1000) : null,
    scopes: data.scopes ?? [],
  };
  if (data.user_id !== undefined) info.userId = data.user_id;
  if (data.type !== undefined) info.type = data.type;
  if (data.error?.code !== undefined) info.errorCode = data.error.code;
  if (data.error?.subcode !== undefined) info.errorSubcode = data.error.subcode;
  return info;
}

/** Subscribes our app to the Page's webhook fields (needs `pages_manage_metadata`); also re-subscribes. */
export async function subscribePage(
  ctx: GraphContext,
  pageId: string,
  pageToken: string,
  fields: string[],
): Promise<void> {
  if (fields.length === 0) throw new TypeError("subscribePage needs at least one field");
  const r = await ctx.http.request({
    method: "POST",
    url: versioned(ctx, pageId, "subscribed_apps"),
    searchParams: { subscribed_fields: fields.join(","), access_token: pageToken },
    schema: successSchema,
    secrets: [pageToken],
  });
  if (!r.success) {
    const url = versioned(ctx, pageId, "subscribed_apps");
    throw ctx.http.rejectAnswer(
      new GraphResponseError(`Graph POST ${new URL(url).pathname} answered success: false`, {
        method: "POST",
        path: new URL(url).pathname,
        status: 200,
      }),
    );
  }
}

/** Whether our app is subscribed to the Page's webhooks (Meta unsubscribes apps after an hour of failed deliveries). */
export async function pageSubscription(
  ctx: GraphContext,
  pageId: string,
  pageToken: string,
): Promise<PageSubscription> {
  const { data } = await ctx.http.request({
    method: "GET",
    url: versioned(ctx, pageId, "subscribed_apps"),
    searchParams: { access_token: pageToken },
    schema: subscribedAppsSchema,
    secrets: [pageToken],
  });
  const ours = data.find((app) => app.id === ctx.config.appId);
  return { subscribed: ours !== undefined, fields: ours?.subscribed_fields ?? [] };
}
