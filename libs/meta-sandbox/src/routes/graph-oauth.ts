import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { checkClient, isAppToken } from "../auth.js";
import { MetaError, paramError } from "../errors.js";
import { accessTokenOf, param } from "../http.js";
import { redeem } from "../oauth-codes.js";
import type { SandboxState } from "../state.js";
import {
  FACEBOOK_TOKEN_KINDS,
  lifetimeSeconds,
  tokenProblem,
  USER_TOKEN_KINDS,
  unparsableTokenError,
} from "../tokens.js";

/** graph.facebook.com: `/oauth/access_token` (code exchange, long-lived exchange, app token) and `/debug_token`. */
export function graphOAuthRoutes(state: SandboxState): FastifyPluginAsync {
  const app = () => ({ id: state.config.appId, secret: state.config.appSecret });

  return async (server: FastifyInstance) => {
    server.route({
      method: ["GET", "POST"],
      url: "/oauth/access_token",
      handler: async (request) => {
        const grantType = param(request, "grant_type");
        const clientId = param(request, "client_id");
        const clientSecret = param(request, "client_secret");

        if (grantType === "fb_exchange_token") {
          checkClient(clientId, clientSecret, app());
          const token = param(request, "fb_exchange_token");
          if (!token) throw paramError("Missing fb_exchange_token parameter.");
          const record = state.token(token);
          if (!record || !USER_TOKEN_KINDS.includes(record.kind)) throw unparsableTokenError();
          const problem = tokenProblem(record, state.now());
          if (problem) throw problem;
          const long = state.issueToken("user_long", { ownerId: record.ownerId, scopes: record.scopes });
          return { access_token: long.token, token_type: "bearer", expires_in: lifetimeSeconds(long) };
        }

        if (grantType === "client_credentials") {
          checkClient(clientId, clientSecret, app());
          return { access_token: `${state.config.appId}|${state.config.appSecret}`, token_type: "bearer" };
        }

        if (grantType !== undefined && grantType !== "authorization_code") {
          throw paramError(`Unsupported grant_type: ${grantType}`);
        }

        checkClient(clientId, clientSecret, app());
        const redirectUri = param(request, "redirect_uri");
        if (redirectUri === undefined) {
          throw new MetaError({
            status: 400,
            code: 191,
            type: "OAuthException",
            message: "redirect_uri isn't an absolute URI. Check RFC 3986.",
          });
        }
        const code = param(request, "code");
        if (!code) throw paramError("Missing code parameter.");
        const redeemed = redeem(state.findCode(code), "facebook", { clientId: clientId!, redirectUri }, state.now());
        const short = state.issueToken("user_short", { ownerId: redeemed.subjectId, scopes: redeemed.scopes });
        return { access_token: short.token, token_type: "bearer", expires_in: lifetimeSeconds(short) };
      },
    });

    server.get("/debug_token", async (request) => {
      const appToken = accessTokenOf(request);
      if (!appToken) {
        throw new MetaError({
          status: 400,
          code: 104,
          type: "OAuthException",
          message: "An access token is required to request this resource.",
        });
      }
      if (!isAppToken(state, appToken)) {
        // Meta also accepts a valid token of the same app as the inspecting token.
        const caller = state.token(appToken);
        const usable = caller && FACEBOOK_TOKEN_KINDS.includes(caller.kind) && !tokenProblem(caller, state.now());
        if (!usable) {
          throw new MetaError({
            status: 400,
            code: 190,
            type: "OAuthException",
            message: "Invalid OAuth access token signature.",
          });
        }
      }
      const input = param(request, "input_token");
      if (!input) throw paramError("(#100) The parameter input_token is required");
      return { data: debugTokenData(state, input) };
    });
  };
}

const unixSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** `debug_token`'s `data`: what Meta knows about a token, `is_valid: false` with the error when it is dead. */
export function debugTokenData(state: SandboxState, input: string): Record<string, unknown> {
  const record = state.token(input);
  if (!record || !FACEBOOK_TOKEN_KINDS.includes(record.kind)) {
    const err = unparsableTokenError();
    return { error: { code: err.code, message: err.message }, is_valid: false, scopes: [] };
  }
  const now = state.now();
  const problem = tokenProblem(record, now);
  const userId = record.kind === "page" ? record.userId : record.ownerId;
  return {
    app_id: record.appId,
    type: record.kind === "page" ? "PAGE" : "USER",
    application: state.config.appName,
    data_access_expires_at: unixSeconds(state.dataAccessExpiresAt(record)),
    ...(problem
      ? {
          error: {
            code: problem.code,
            message: problem.message,
            ...(problem.subcode === undefined ? {} : { subcode: problem.subcode }),
          },
        }
      : {}),
    expires_at: record.expiresAt === null ? 0 : unixSeconds(record.expiresAt),
    is_valid: problem === undefined,
    issued_at: unixSeconds(record.issuedAt),
    ...(record.kind === "page" ? { profile_id: record.ownerId } : {}),
    scopes: [...record.scopes],
    granular_scopes: record.scopes
      .filter((s) => s !== "public_profile")
      .map((scope) => ({
        scope,
        ...(scope.startsWith("pages_") || scope.startsWith("instagram_")
          ? { target_ids: pageTargets(state, scope, userId) }
          : {}),
      })),
    user_id: userId,
  };
}

function pageTargets(state: SandboxState, scope: string, userId: string | undefined): string[] {
  const user = userId ? state.user(userId) : undefined;
  if (!user) return [];
  if (!scope.startsWith("instagram_")) return [...user.pageIds];
  return user.pageIds.flatMap((id) => {
    const ig = state.page(id)?.instagram_business_account;
    return ig ? [ig.id] : [];
  });
}
