import { randomBytes } from "node:crypto";

/**
 * A Meta error as tests describe it (`state.failNext(..., spec)`) and as the routes raise it. `times` and
 * `retryAfter` only matter for injected faults: how many matching requests fail, and whether the answer carries
 * `x-business-use-case-usage` with an `estimated_time_to_regain_access` (what Meta sends with rate limits).
 */
export interface MetaErrorSpec {
  status: number;
  code: number;
  subcode?: number;
  type?: string;
  message?: string;
  times?: number;
  retryAfter?: boolean;
}

/** Codes Meta marks `is_transient: true` (worth retrying with backoff). */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613, 80002, 80006]);

/** Meta's wording for the codes tests inject without a message. */
const DEFAULT_MESSAGES: Record<number, string> = {
  1: "An unknown error occurred",
  2: "An unexpected error has occurred. Please retry your request later.",
  4: "(#4) Application request limit reached",
  10: "(#10) Application does not have permission for this action",
  17: "(#17) User request limit reached",
  32: "(#32) Page request limit reached",
  100: "(#100) Invalid parameter",
  190: "Invalid OAuth access token - Cannot parse access token",
  200: "(#200) Permissions error",
  341: "(#341) Application limit reached",
  551: "(#551) This person isn't available right now.",
  613: "(#613) Calls to this api have exceeded the rate limit.",
};

/** An error answered in Meta's shape; routes throw it, the server's error handler renders it. */
export class MetaError extends Error {
  readonly status: number;
  readonly code: number;
  readonly subcode: number | undefined;
  readonly type: string;
  readonly retryAfter: boolean;
  /** `WWW-Authenticate: OAuth "Facebook Platform" "<challenge>" "<message>"`, sent by Meta with OAuth failures. */
  readonly challenge: string | undefined;

  constructor(spec: Omit<MetaErrorSpec, "times">, challenge?: string) {
    super(spec.message ?? DEFAULT_MESSAGES[spec.code] ?? `(#${spec.code}) An error occurred`);
    this.name = "MetaError";
    this.status = spec.status;
    this.code = spec.code;
    this.subcode = spec.subcode;
    this.type = spec.type ?? "OAuthException";
    this.retryAfter = spec.retryAfter ?? false;
    this.challenge = challenge ?? (spec.code === 190 ? "invalid_token" : undefined);
  }

  get isTransient(): boolean {
    return TRANSIENT_CODES.has(this.code);
  }
}

/** Meta's trace ids are 11 url-safe characters; the same value goes in `fbtrace_id` and `x-fb-trace-id`. */
export function newFbtraceId(): string {
  return randomBytes(8).toString("base64url").slice(0, 11);
}

/** graph.facebook.com and graph.instagram.com: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`. */
export function graphErrorBody(err: MetaError, fbtraceId: string) {
  return {
    error: {
      message: err.message,
      type: err.type,
      code: err.code,
      ...(err.subcode === undefined ? {} : { error_subcode: err.subcode }),
      ...(err.isTransient ? { is_transient: true } : {}),
      fbtrace_id: fbtraceId,
    },
  };
}

/**
 * api.instagram.com (the Instagram Login code exchange) answers in the legacy Instagram shape, where `code` is the
 * HTTP status: `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was
 * already used."}`. Clients must parse this shape as well as the Graph one.
 */
export function instagramApiErrorBody(err: MetaError) {
  return { error_type: err.type, code: err.status, error_message: err.message };
}

/** `x-business-use-case-usage` as Meta sends it with throttled calls (minutes until the budget is back). */
export function businessUseCaseUsage(objectId: string): string {
  return JSON.stringify({
    [objectId]: [
      {
        type: "messenger",
        call_count: 100,
        total_cputime: 100,
        total_time: 100,
        estimated_time_to_regain_access: 1,
      },
    ],
  });
}

/**
 * Canned Meta errors for `state.failNext(match, metaErrors.x)`, with the status, code, subcode and wording Meta
 * uses. Spread one to change `times`: `{ ...metaErrors.rateLimit, times: 3 }`.
 */
export const metaErrors = {
  /** Application-level throttling (code 4). */
  rateLimit: { status: 400, code: 4, type: "OAuthException", message: DEFAULT_MESSAGES[4], retryAfter: true },
  /** User-level throttling (code 17). */
  userRateLimit: { status: 400, code: 17, type: "OAuthException", message: DEFAULT_MESSAGES[17], retryAfter: true },
  /** Page-level throttling (code 32). */
  pageRateLimit: { status: 400, code: 32, type: "OAuthException", message: DEFAULT_MESSAGES[32], retryAfter: true },
  /** Send API throttling (code 613). */
  sendRateLimit: {
    status: 400,
    code: 613,
    type: "OAuthException",
    message: DEFAULT_MESSAGES[613],
    retryAfter: true,
  },
  tokenExpired: {
    status: 400,
    code: 190,
    subcode: 463,
    type: "OAuthException",
    message: "Error validating access token: Session has expired on Monday, 01-Jan-24 00:00:00 PST.",
  },
  tokenInvalid: {
    status: 400,
    code: 190,
    subcode: 460,
    type: "OAuthException",
    message:
      "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
  },
  /** Code 10: the app lacks the permission (or the feature) for this call. */
  permission: { status: 403, code: 10, type: "OAuthException", message: DEFAULT_MESSAGES[10] },
  /** Code 200: permissions error on the object. */
  permissionDenied: {
    status: 403,
    code: 200,
    type: "OAuthException",
    message: "(#200) Requires instagram_manage_messages permission to manage the object",
  },
  /** 10/2018278: the user wrote more than 24 hours ago. */
  outsideWindow: {
    status: 400,
    code: 10,
    subcode: 2018278,
    type: "OAuthException",
    message: "(#10) This message is sent outside of allowed window.",
  },
  /** 551/1545041: the recipient cannot be messaged. */
  userUnavailable: {
    status: 400,
    code: 551,
    subcode: 1545041,
    type: "OAuthException",
    message: DEFAULT_MESSAGES[551],
  },
  /** Code 1 with HTTP 500. */
  server: { status: 500, code: 1, type: "OAuthException", message: DEFAULT_MESSAGES[1] },
  /** Code 2 with HTTP 500 (temporary). */
  serverTemporary: { status: 500, code: 2, type: "OAuthException", message: DEFAULT_MESSAGES[2] },
} as const satisfies Record<string, MetaErrorSpec>;

export type MetaErrorName = keyof typeof metaErrors;

/** Bad or missing parameter (code 100). */
export function paramError(message: string, subcode?: number): MetaError {
  return new MetaError({ status: 400, code: 100, subcode, type: "OAuthException", message });
}

/** Meta's answer for an id it does not know or the token may not see (100/33). */
export function unsupportedRequest(method: string, id: string): MetaError {
  const verb = method.toLowerCase() === "get" ? "get" : method.toLowerCase() === "delete" ? "delete" : "post";
  return new MetaError({
    status: 400,
    code: 100,
    subcode: 33,
    type: "GraphMethodException",
    message: `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
  });
}
