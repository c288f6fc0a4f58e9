import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { authenticate, checkClientSecret } from "../auth.js";
import { MetaError, paramError, unsupportedRequest } from "../errors.js";
import { project, requestedFields } from "../fields.js";
import { param } from "../http.js";
import { send } from "../send.js";
import type { SandboxIgAccount, SandboxState } from "../state.js";
import { subscribedFieldsOf } from "../subscriptions.js";
import {
  IG_REFRESH_MIN_AGE_SECONDS,
  INSTAGRAM_TOKEN_KINDS,
  lifetimeSeconds,
  type SandboxToken,
  type TokenKind,
} from "../tokens.js";

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/**
 * graph.instagram.com: long-lived exchange, refresh, `/me`, `/{ig-id}/messages` (Bearer token) and
 * `/{ig-id}/subscribed_apps` for Instagram-Login accounts.
 */
export function instagramGraphRoutes(state: SandboxState): FastifyPluginAsync {
  const auth = (request: FastifyRequest, allowed: readonly TokenKind[] = INSTAGRAM_TOKEN_KINDS) =>
    authenticate(state, request, "instagram", allowed, () =>
      paramError("(#100) This endpoint needs a long-lived Instagram User access token."),
    );

  /** The token's account, which must be the one named in the path (`me`, its `user_id` or its app-scoped `id`). */
  const accountOf = (request: IdRequest): { token: SandboxToken; account: SandboxIgAccount } => {
    const token = auth(request);
    const account = state.igAccount(token.ownerId);
    const { id } = request.params;
    if (!account || (id !== "me" && id !== account.user_id && id !== account.id)) {
      throw unsupportedRequest(request.method, id);
    }
    return { token, account };
  };

  const longLived = (from: SandboxToken) => {
    const token = state.issueToken("ig_long", { ownerId: from.ownerId, scopes: from.scopes });
    return { access_token: token.token, token_type: "bearer", expires_in: lifetimeSeconds(token) };
  };

  return async (server: FastifyInstance) => {
    server.get("/access_token", async (request) => {
      if (param(request, "grant_type") !== "ig_exchange_token") {
        throw paramError("Unsupported grant_type: expected ig_exchange_token");
      }
      checkClientSecret(param(request, "client_secret"), state.config.igAppSecret);
      return longLived(auth(request));
    });

    server.get("/refresh_access_token", async (request) => {
      if (param(request, "grant_type") !== "ig_refresh_token") {
        throw paramError("Unsupported grant_type: expected ig_refresh_token");
      }
      const token = auth(request, ["ig_long"]);
      const ageSeconds = (state.now().getTime() - token.issuedAt.getTime()) / 1000;
      if (ageSeconds < IG_REFRESH_MIN_AGE_SECONDS) {
        throw new MetaError({
          status: 400,
          code: 100,
          type: "OAuthException",
          message: "(#100) The access token must be at least 24 hours old to be refreshed.",
        });
      }
      return longLived(token);
    });

    server.get<{ Params: { id: string } }>("/:id", async (request) => {
      const { account } = accountOf(request);
      return project("User", account.id, requestedFields(param(request, "fields"), "id"), {
        id: () => account.id,
        user_id: () => account.user_id,
        username: () => account.username,
        name: () => account.name,
        account_type: () => "BUSINESS",
        profile_picture_url: () => `https://sandbox.invalid/ig/${account.user_id}.jpg`,
        followers_count: () => 0,
        follows_count: () => 0,
        media_count: () => 0,
      });
    });

    server.post<{ Params: { id: string } }>("/:id/messages", async (request) => {
      const { token, account } = accountOf(request);
      return send(state, request, { api: "instagram", token, page: null, igAccount: account.user_id });
    });

    server.post<{ Params: { id: string } }>("/:id/subscribed_apps", async (request) => {
      const { account } = accountOf(request);
      state.recordSubscriptionCall(account.user_id, subscribedFieldsOf(request));
      return { success: true };
    });

    server.get<{ Params: { id: string } }>("/:id/subscribed_apps", async (request) => {
      const { account } = accountOf(request);
      const fields = state.subscribedFields(account.user_id);
      if (!fields) return { data: [] };
      return { data: [{ app_id: state.config.igAppId, name: state.config.appName, subscribed_fields: [...fields] }] };
    });

    server.delete<{ Params: { id: string } }>("/:id/subscribed_apps", async (request) => {
      const { account } = accountOf(request);
      state.unsubscribe(account.user_id);
      return { success: true };
    });
  };
}
