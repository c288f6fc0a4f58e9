import { randomBytes } from "node:crypto";
import { MetaError } from "./errors.js";

/** Facebook Login user tokens (short, long), Page tokens, and Instagram Login user tokens (short, long). */
export type TokenKind = "user_short" | "user_long" | "page" | "ig_short" | "ig_long";

export const FACEBOOK_TOKEN_KINDS: readonly TokenKind[] = ["user_short", "user_long", "page"];
export const INSTAGRAM_TOKEN_KINDS: readonly TokenKind[] = ["ig_short", "ig_long"];
export const USER_TOKEN_KINDS: readonly TokenKind[] = ["user_short", "user_long"];

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Lifetimes in seconds (`null` = never expires by date). A long-lived Facebook user token lasts the 5183944 s
 * (about 60 days) Meta reports as its `expires_in`; a long-lived Instagram token the 5184000 s Meta reports.
 */
export const TOKEN_LIFETIME_SECONDS: Readonly<Record<TokenKind, number | null>> = {
  user_short: HOUR,
  user_long: 5_183_944,
  page: null,
  ig_short: HOUR,
  ig_long: 5_184_000,
};

/** Meta lets a long-lived Instagram token be refreshed once it is at least this old. */
export const IG_REFRESH_MIN_AGE_SECONDS = DAY;

/** Data access of a Facebook user expires 90 days after they last used the app. */
export const DATA_ACCESS_SECONDS = 90 * DAY;

/** A token the sandbox issued. `ownerId`: the Facebook user, the Page, or the Instagram account (`user_id`). */
export interface SandboxToken {
  readonly token: string;
  readonly kind: TokenKind;
  readonly ownerId: string;
  /** The Facebook user a Page token was obtained through. */
  readonly userId: string | undefined;
  readonly appId: string;
  readonly scopes: readonly string[];
  issuedAt: Date;
  /** `null`: never expires by date (Page tokens). */
  expiresAt: Date | null;
  valid: boolean;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHANUMERIC[b % ALPHANUMERIC.length];
  return out;
}

/** Opaque strings shaped like Meta's: Facebook tokens start with `EAA`, Instagram Login tokens with `IGAA`. */
export function newTokenString(kind: TokenKind): string {
  return `${INSTAGRAM_TOKEN_KINDS.includes(kind) ? "IGAA" : "EAA"}${randomAlphanumeric(160)}`;
}

export function newTokenRecord(
  kind: TokenKind,
  owner: { ownerId: string; userId?: string; appId: string; scopes: readonly string[] },
  now: Date,
): SandboxToken {
  const lifetime = TOKEN_LIFETIME_SECONDS[kind];
  return {
    token: newTokenString(kind),
    kind,
    ownerId: owner.ownerId,
    userId: owner.userId,
    appId: owner.appId,
    scopes: [...owner.scopes],
    issuedAt: now,
    expiresAt: lifetime === null ? null : new Date(now.getTime() + lifetime * 1000),
    valid: true,
  };
}

export function isExpired(record: SandboxToken, now: Date): boolean {
  return record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime();
}

/** The `expires_in` of a token just issued: its whole lifetime (0 when it never expires). */
export function lifetimeSeconds(record: SandboxToken): number {
  if (record.expiresAt === null) return 0;
  return Math.round((record.expiresAt.getTime() - record.issuedAt.getTime()) / 1000);
}

/** Meta's date style in token errors: `Tuesday, 05-Mar-24 10:00:00 PST` (the sandbox writes UTC). */
function metaDate(d: Date): string {
  const day = d.toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" });
  const month = d.toLocaleDateString("en-US", { month: "short", timeZone: "UTC" });
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day}, ${pad(d.getUTCDate())}-${month}-${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} UTC`;
}

export function missingTokenError(): MetaError {
  return new MetaError({
    status: 400,
    code: 104,
    type: "OAuthException",
    message: "An access token is required to request this resource.",
  });
}

export function unparsableTokenError(): MetaError {
  return new MetaError({
    status: 400,
    code: 190,
    type: "OAuthException",
    message: "Invalid OAuth access token - Cannot parse access token",
  });
}

export function invalidatedTokenError(): MetaError {
  return new MetaError({
    status: 400,
    code: 190,
    subcode: 460,
    type: "OAuthException",
    message:
      "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
  });
}

export function expiredTokenError(record: SandboxToken, now: Date): MetaError {
  return new MetaError({
    status: 400,
    code: 190,
    subcode: 463,
    type: "OAuthException",
    message: `Error validating access token: Session has expired on ${metaDate(record.expiresAt ?? now)}. The current time is ${metaDate(now)}.`,
  });
}

/** The error Meta answers when this token is used now, or `undefined` if it works. */
export function tokenProblem(record: SandboxToken | undefined, now: Date): MetaError | undefined {
  if (!record) return unparsableTokenError();
  if (!record.valid) return invalidatedTokenError();
  if (isExpired(record, now)) return expiredTokenError(record, now);
  return undefined;
}
