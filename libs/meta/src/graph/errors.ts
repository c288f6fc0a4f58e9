import { IgdmError } from "@igdm/runtime";

/**
 * What the caller should do after a failed Graph call:
 * - `retry`: transient (rate limits, Meta hiccups, 5xx, network): retry with backoff, honouring `retryAfterMs`.
 * - `reauth`: the token is dead (190): do not retry, mark the account for re-authentication.
 * - `stop`: permanent (permissions, outside the 24 h window, user unavailable, bad parameter): do not retry.
 */
export type GraphAction = "retry" | "reauth" | "stop";

export const GRAPH_ERROR_CODES = {
  retry: "IGDM_ERR_GRAPH_RETRY",
  reauth: "IGDM_ERR_GRAPH_REAUTH",
  stop: "IGDM_ERR_GRAPH_STOP",
} as const satisfies Record<GraphAction, string>;

export type GraphErrorCode = (typeof GRAPH_ERROR_CODES)[GraphAction];

/** Meta error codes worth retrying with backoff (throttling, temporary failures). */
export const RETRYABLE_GRAPH_CODES: ReadonlySet<number> = new Set([1, 2, 4, 17, 32, 341, 613, 1200, 80002, 80006]);

/** The dead-token code: every subcode (458, 460, 463, 467, 492, ...) means re-auth. */
export const REAUTH_GRAPH_CODE = 190;

/** Codes that never succeed on retry: permissions (10, 200-299), user unavailable (551), bad parameter (100). */
export function isPermanentGraphCode(code: number): boolean {
  return code === 10 || code === 100 || code === 551 || (code >= 200 && code <= 299);
}

/**
 * Classifies a failed call. Order: 190 -> reauth; known transient codes -> retry; known permanent codes -> stop
 * (even on a 5xx); otherwise a 5xx (or no HTTP answer at all) -> retry and anything else -> stop.
 */
export function classifyGraphError(status: number | undefined, graphCode?: number, _subcode?: number): GraphAction {
  if (graphCode === REAUTH_GRAPH_CODE) return "reauth";
  if (graphCode !== undefined && RETRYABLE_GRAPH_CODES.has(graphCode)) return "retry";
  if (graphCode !== undefined && isPermanentGraphCode(graphCode)) return "stop";
  if (status === undefined || status >= 500) return "retry";
  return "stop";
}

const SECRET_PARAMS =
  /\b(access_token|input_token|fb_exchange_token|client_secret|code)(=|%3D|"\s*:\s*")([^&\s"'#,;)]+)/gi;
const BEARER = /\b(Bearer)(\s+|%20)[^\s"',;)]+/gi;

/**
 * Removes secrets from text meant for messages and logs: the values of `access_token=`, `input_token=`,
 * `fb_exchange_token=`, `client_secret=`, `code=` (as query/form parameters or JSON keys), `Bearer` credentials, and
 * every literal secret the caller knows about (the token of the call, the app secrets).
 */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    // Short values (ids, "me") would mangle the text without protecting anything.
    if (secret && secret.length >= 8) {
      out = out.split(secret).join("[redacted]");
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join("[redacted]");
    }
  }
  return out.replace(SECRET_PARAMS, "$1$2[redacted]").replace(BEARER, "$1 [redacted]");
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long Meta asks us to wait: the largest `estimated_time_to_regain_access` (minutes) in
 * `X-Business-Use-Case-Usage`, else `Retry-After` (seconds or an HTTP date). Undefined when neither says.
 */
export function retryAfterMsFromHeaders(headers: HeaderBag, now = Date.now()): number | undefined {
  const usage = header(headers, "x-business-use-case-usage");
  if (usage) {
    try {
      const parsed: unknown = JSON.parse(usage);
      let minutes = 0;
      if (parsed && typeof parsed === "object") {
        for (const entries of Object.values(parsed)) {
          for (const entry of Array.isArray(entries) ? entries : [entries]) {
            const m = Number((entry as { estimated_time_to_regain_access?: unknown })?.estimated_time_to_regain_access);
            if (Number.isFinite(m) && m > minutes) minutes = m;
          }
        }
      }
      if (minutes > 0) return minutes * 60_000;
    } catch {
      // a malformed usage header must not hide the error itself
    }
  }
  const retryAfter = header(headers, "retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}

export interface GraphApiErrorDetails {
  /** HTTP status; undefined when no answer came (network failure, timeout). */
  status: number | undefined;
  graphCode?: number | undefined;
  subcode?: number | undefined;
  type?: string | undefined;
  fbtraceId?: string | undefined;
  retryAfterMs?: number | undefined;
  /** Overrides the classification (used for network failures and malformed answers). */
  action?: GraphAction;
  /** HTTP method and path (no query string) of the failed call. */
  method?: string | undefined;
  path?: string | undefined;
}

/**
 * A failed Graph API call. `code` is `IGDM_ERR_GRAPH_RETRY`, `IGDM_ERR_GRAPH_REAUTH` or `IGDM_ERR_GRAPH_STOP`,
 * matching `action`. The message carries Meta's message and fbtrace_id, scrubbed of tokens and secrets.
 */
export class GraphApiError extends IgdmError {
  readonly action: GraphAction;
  readonly status: number | undefined;
  readonly graphCode: number | undefined;
  readonly subcode: number | undefined;
  readonly type: string | undefined;
  readonly fbtraceId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, details: GraphApiErrorDetails) {
    const action = details.action ?? classifyGraphError(details.status, details.graphCode, details.subcode);
    super(GRAPH_ERROR_CODES[action], scrubSecrets(message));
    this.action = action;
    this.status = details.status;
    this.graphCode = details.graphCode;
    this.subcode = details.subcode;
    this.type = details.type;
    this.fbtraceId = details.fbtraceId;
    this.retryAfterMs = details.retryAfterMs;
    this.method = details.method;
    this.path = details.path;
  }
}

/** A 2xx answer whose body does not match the expected shape: Meta changed something; retrying will not help. */
export class GraphResponseError extends GraphApiError {
  /** Zod issues as `path: message` (never the offending values). */
  readonly issues: string[];
  constructor(message: string, details: Omit<GraphApiErrorDetails, "action"> & { issues?: string[] }) {
    super(message, { ...details, action: "stop" });
    this.issues = details.issues ?? [];
  }
}

/** Meta's Send API takes at most 1000 bytes of UTF-8 text; refused before any call is made. */
export const MAX_TEXT_BYTES = 1000;

export class GraphTextTooLongError extends IgdmError {
  readonly action = "stop" as const;
  readonly bytes: number;
  readonly limit = MAX_TEXT_BYTES;
  constructor(bytes: number) {
    super(
      "IGDM_ERR_GRAPH_TEXT_TOO_LONG",
      `message text is ${bytes} bytes of UTF-8; Meta accepts at most ${MAX_TEXT_BYTES}`,
    );
    this.bytes = bytes;
  }
}
