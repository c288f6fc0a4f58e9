import { z } from "zod";
import { type GraphContext, joinUrl } from "./http.js";

export interface IgShortLivedToken {
  /** Valid for one hour; exchange it with `igExchangeForLongLived`. */
  accessToken: string;
  /** The Instagram professional account id (as a string: it exceeds 2^53). */
  userId: string;
}

export interface IgLongLivedToken {
  accessToken: string;
  /** Seconds (about 60 days). */
  expiresIn: number;
}

export interface IgUser {
  /** Equals the webhook `entry.id` of this account. */
  userId: string;
  /** The app-scoped id (`/me`'s id): what Instagram's deauthorize and data-deletion callbacks name. */
  appScopedId?: string;
  username?: string;
}

const id = z.union([z.string().min(1), z.number()]).transform(String);

const igCodeTokenSchema = z.object({ access_token: z.string().min(1), user_id: id });

/** Instagram has answered both the flat shape and a `data: [...]` wrapper; accept either. */
const igCodeExchangeSchema = z.union([
  igCodeTokenSchema,
  z.object({ data: z.array(igCodeTokenSchema).min(1) }).transform((d) => d.data[0]!),
]);

const igLongLivedSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number(),
});

const igMeSchema = z.object({ user_id: id, id: id.optional(), username: z.string().optional() });

/** Instagram Login: the authorize dialog's `code` (valid 1 h) -> a short-lived token and the account id. */
export async function igExchangeCode(ctx: GraphContext, code: string, redirectUri: string): Promise<IgShortLivedToken> {
  // Meta appends `#_` to the redirect; a code copied with it is still the same code.
  const clean = code.replace(/#_$/, "");
  const r = await ctx.http.request({
    method: "POST",
    url: `${ctx.config.igApiBaseUrl}/oauth/access_token`,
    form: {
      client_id: ctx.config.igAppId,
      client_secret: ctx.config.igAppSecret,
      grant_type: "authorization_code",
      redirect_uri: redirectUri,
      code: clean,
    },
    schema: igCodeExchangeSchema,
    secrets: [clean],
  });
  return { accessToken: r.access_token, userId: r.user_id };
}

/** A short-lived Instagram token -> a long-lived one (60 days). */
export async function igExchangeForLongLived(ctx: GraphContext, shortToken: string): Promise<IgLongLivedToken> {
  const r = await ctx.http.request({
    method: "GET",
    url: `${ctx.config.igGraphBaseUrl}/access_token`,
    searchParams: { grant_type: "ig_exchange_token", client_secret: ctx.config.igAppSecret, access_token: shortToken },
    schema: igLongLivedSchema,
    secrets: [shortToken],
  });
  return { accessToken: r.access_token, expiresIn: r.expires_in };
}

/** Refreshes a long-lived token at least 24 h old and not expired: a new 60 days. */
export async function igRefresh(ctx: GraphContext, token: string): Promise<IgLongLivedToken> {
  const r = await ctx.http.request({
    method: "GET",
    url: `${ctx.config.igGraphBaseUrl}/refresh_access_token`,
    searchParams: { grant_type: "ig_refresh_token", access_token: token },
    schema: igLongLivedSchema,
    secrets: [token],
  });
  return { accessToken: r.access_token, expiresIn: r.expires_in };
}

export async function igMe(ctx: GraphContext, token: string): Promise<IgUser> {
  const r = await ctx.http.request({
    method: "GET",
    url: joinUrl(`${ctx.config.igGraphBaseUrl}/${ctx.config.apiVersion}`, "me"),
    searchParams: { fields: "user_id,id,username", access_token: token },
    schema: igMeSchema,
    secrets: [token],
  });
  return {
    userId: r.user_id,
    ...(r.id === undefined ? {} : { appScopedId: r.id }),
    ...(r.username === undefined ? {} : { username: r.username }),
  };
}
