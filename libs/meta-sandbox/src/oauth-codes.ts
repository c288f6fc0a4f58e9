import { randomBytes } from "node:crypto";
import { MetaError } from "./errors.js";

export type LoginProvider = "facebook" | "instagram";

/** Facebook Login codes live 10 minutes, Instagram Login codes 1 hour; both are single use. */
export const CODE_LIFETIME_SECONDS: Readonly<Record<LoginProvider, number>> = { facebook: 600, instagram: 3600 };

export interface AuthorizationCode {
  readonly code: string;
  readonly provider: LoginProvider;
  readonly clientId: string;
  /** The exact `redirect_uri` of the dialog; the exchange must repeat it. */
  readonly redirectUri: string;
  /** Facebook user id, or Instagram account `user_id`. */
  readonly subjectId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: Date;
  used: boolean;
}

export function newCode(): string {
  return `AQ${randomBytes(96).toString("base64url")}`;
}

function codeError(provider: LoginProvider, message: string, subcode?: number): MetaError {
  return new MetaError(
    { status: 400, code: 100, subcode: provider === "facebook" ? subcode : undefined, type: "OAuthException", message },
    "invalid_code",
  );
}

/** Meta's answers when a code cannot be redeemed: unknown, used, expired, or not for this redirect_uri / app. */
export const codeErrors = {
  unknown: (p: LoginProvider) =>
    p === "facebook"
      ? codeError(p, "Invalid verification code format.", 36007)
      : codeError(p, "Matching code was not found or was already used."),
  used: (p: LoginProvider) =>
    p === "facebook"
      ? codeError(p, "This authorization code has been used.", 36009)
      : codeError(p, "Matching code was not found or was already used."),
  expired: (p: LoginProvider) => codeError(p, "This authorization code has expired."),
  redirectMismatch: (p: LoginProvider) =>
    codeError(
      p,
      "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
      36008,
    ),
};

/** Checks a code against the exchange request and uses it up. */
export function redeem(
  found: AuthorizationCode | undefined,
  provider: LoginProvider,
  request: { clientId: string; redirectUri: string },
  now: Date,
): AuthorizationCode {
  if (!found || found.provider !== provider) throw codeErrors.unknown(provider);
  if (found.used) throw codeErrors.used(provider);
  if (found.expiresAt.getTime() <= now.getTime()) throw codeErrors.expired(provider);
  if (found.clientId !== request.clientId) throw codeErrors.unknown(provider);
  if (found.redirectUri !== request.redirectUri) throw codeErrors.redirectMismatch(provider);
  found.used = true;
  return found;
}
