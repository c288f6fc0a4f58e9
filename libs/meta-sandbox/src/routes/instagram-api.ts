import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { checkClientSecret } from "../auth.js";
import { MetaError } from "../errors.js";
import { param } from "../http.js";
import { redeem } from "../oauth-codes.js";
import type { SandboxState } from "../state.js";

function oauthError(message: string): MetaError {
  return new MetaError({ status: 400, code: 100, type: "OAuthException", message });
}

/**
 * api.instagram.com: the Instagram Login code exchange. Errors come in the legacy Instagram shape
 * (`{error_type, code, error_message}`), as Meta sends them from this host.
 */
export function instagramApiRoutes(state: SandboxState): FastifyPluginAsync {
  return async (server: FastifyInstance) => {
    server.post("/oauth/access_token", async (request) => {
      const clientId = param(request, "client_id");
      if (!clientId) throw oauthError("Missing required field client_id");
      if (clientId !== state.config.igAppId) throw oauthError("Invalid platform app");
      checkClientSecret(param(request, "client_secret"), state.config.igAppSecret);
      const grantType = param(request, "grant_type");
      if (grantType !== "authorization_code") throw oauthError("Invalid grant_type: must be authorization_code");
      const redirectUri = param(request, "redirect_uri");
      if (!redirectUri) throw oauthError("Missing required field redirect_uri");
      const code = param(request, "code");
      if (!code) throw oauthError("Missing required field code");
      const redeemed = redeem(state.findCode(code), "instagram", { clientId, redirectUri }, state.now());
      const account = state.igAccount(redeemed.subjectId);
      if (!account) throw oauthError("Matching code was not found or was already used.");
      const token = state.issueToken("ig_short", { ownerId: account.user_id, scopes: redeemed.scopes });
      if (state.igTokenResponseStyle === "data") {
        return { data: [{ access_token: token.token, user_id: account.id, permissions: redeemed.scopes.join(",") }] };
      }
      return { access_token: token.token, user_id: account.id, permissions: [...redeemed.scopes] };
    });
  };
}
