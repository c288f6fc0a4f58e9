import type { FastifyRequest } from "fastify";
import { MetaError } from "./errors.js";
import { accessTokenOf } from "./http.js";
import type { SandboxState } from "./state.js";
import {
  FACEBOOK_TOKEN_KINDS,
  INSTAGRAM_TOKEN_KINDS,
  missingTokenError,
  type SandboxToken,
  type TokenKind,
  tokenProblem,
  unparsableTokenError,
} from "./tokens.js";

export type TokenFamily = "facebook" | "instagram";

/**
 * The caller's token, checked as Meta does: missing (104), unknown or from the other host family (190), invalidated
 * (190/460), expired (190/463). `wrongKind` is the error for a live token of a kind this endpoint refuses.
 */
export function authenticate(
  state: SandboxState,
  request: FastifyRequest,
  family: TokenFamily,
  allowed: readonly TokenKind[],
  wrongKind: (record: SandboxToken) => MetaError,
): SandboxToken {
  const token = accessTokenOf(request);
  if (!token) throw missingTokenError();
  const record = state.token(token);
  const familyKinds = family === "facebook" ? FACEBOOK_TOKEN_KINDS : INSTAGRAM_TOKEN_KINDS;
  if (!record || !familyKinds.includes(record.kind)) throw unparsableTokenError();
  const problem = tokenProblem(record, state.now());
  if (problem) throw problem;
  if (!allowed.includes(record.kind)) throw wrongKind(record);
  return record;
}

/** `<app id>|<app secret>`: the app access token debug_token takes. */
export function isAppToken(state: SandboxState, token: string | undefined): boolean {
  return token === `${state.config.appId}|${state.config.appSecret}`;
}

export function pageTokenRequired(): MetaError {
  return new MetaError({
    status: 400,
    code: 210,
    type: "OAuthException",
    message: "(#210) A page access token is required to request this resource.",
  });
}

/** Checks `client_id` and `client_secret` against an app, with Meta's codes (101 for the id, 1 for the secret). */
export function checkClient(
  clientId: string | undefined,
  clientSecret: string | undefined,
  app: { id: string; secret: string },
): void {
  if (!clientId) {
    throw new MetaError({ status: 400, code: 101, type: "OAuthException", message: "Missing client_id parameter." });
  }
  if (clientId !== app.id) {
    throw new MetaError({
      status: 400,
      code: 101,
      type: "OAuthException",
      message: "Error validating application. Invalid application ID.",
    });
  }
  checkClientSecret(clientSecret, app.secret);
}

export function checkClientSecret(clientSecret: string | undefined, secret: string): void {
  if (!clientSecret) {
    throw new MetaError({ status: 400, code: 1, type: "OAuthException", message: "Missing client_secret parameter." });
  }
  if (clientSecret !== secret) {
    throw new MetaError({ status: 400, code: 1, type: "OAuthException", message: "Error validating client secret." });
  }
}
