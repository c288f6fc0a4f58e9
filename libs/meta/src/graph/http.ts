import got, { type Got, type Headers, RequestError, type Response, type RetryOptions } from "got";
import type { z } from "zod";
import type { ResolvedGraphClientConfig } from "./config.js";
import {
  classifyGraphError,
  GraphApiError,
  type GraphApiErrorDetails,
  GraphResponseError,
  retryAfterMsFromHeaders,
  scrubSecrets,
} from "./errors.js";

export interface GraphRequest<T> {
  method: "GET" | "POST";
  /** Absolute URL; may carry a query already (Meta's `paging.next`). */
  url: string;
  searchParams?: Record<string, string>;
  form?: Record<string, string>;
  json?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  bearer?: string;
  schema: z.ZodType<T>;
  /** Literal secrets of this call (tokens, codes) scrubbed from every message, on top of the app secrets. */
  secrets?: ReadonlyArray<string | undefined>;
}

/** Meta's error bodies: `{"error":{...}}` from the Graph APIs, `{"error_type","code","error_message"}` from Instagram OAuth. */
interface MetaError {
  message: string | undefined;
  type: string | undefined;
  code: number | undefined;
  subcode: number | undefined;
  fbtraceId: string | undefined;
}

const MAX_RETRY_DELAY_MS = 30_000;
const STATUS_5XX = Array.from({ length: 100 }, (_, i) => 500 + i);
const NETWORK_ERROR_CODES = [
  "ETIMEDOUT",
  "ECONNRESET",
  "EADDRINUSE",
  "ECONNREFUSED",
  "EPIPE",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EAI_AGAIN",
  "ECONNABORTED",
];

/**
 * Ids above 2^53 (Instagram user ids are ~1.8e16) lose digits in JSON.parse when Meta sends them as numbers:
 * quote every long integer value of an `id` / `*_id` key before parsing.
 */
export function parseJsonLosslessIds(text: string): unknown {
  return JSON.parse(text.replace(/("(?:[A-Za-z]+_)*id"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
}

function parseBody(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return parseJsonLosslessIds(text);
  } catch {
    return undefined;
  }
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown) => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

function metaError(body: unknown): MetaError | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  if (b.error && typeof b.error === "object") {
    const e = b.error as Record<string, unknown>;
    return {
      message: str(e.message) ?? str(e.error_user_msg),
      type: str(e.type),
      code: num(e.code),
      subcode: num(e.error_subcode),
      fbtraceId: str(e.fbtrace_id),
    };
  }
  if (typeof b.error_type === "string" || typeof b.error_message === "string") {
    // Instagram OAuth puts the HTTP status in `code`: not a Graph error code.
    return {
      message: str(b.error_message),
      type: str(b.error_type),
      code: undefined,
      subcode: undefined,
      fbtraceId: undefined,
    };
  }
  return undefined;
}

function headerValue(headers: Headers | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "(invalid url)";
  }
}

/** got with Meta's conventions: text bodies parsed by us, GET-only retries on network errors and 5xx, scrubbed errors. */
export class GraphHttp {
  readonly #config: ResolvedGraphClientConfig;
  readonly #got: Got;

  constructor(config: ResolvedGraphClientConfig) {
    this.#config = config;
    const base = Math.max(1, config.retryBaseDelayMs);
    const retry: Partial<RetryOptions> = {
      limit: config.retries,
      methods: ["GET"],
      statusCodes: STATUS_5XX,
      errorCodes: NETWORK_ERROR_CODES,
      calculateDelay: ({ attemptCount, error, computedValue, retryAfter }) => {
        if (computedValue === 0) return 0;
        // A 5xx that carries a permanent Graph code (e.g. 190, 100) is not worth another attempt.
        const meta = error.response ? metaError(parseBody(String(error.response.body ?? ""))) : undefined;
        if (meta && classifyGraphError(error.response?.statusCode, meta.code, meta.subcode) !== "retry") return 0;
        if (retryAfter) return computedValue;
        return Math.min(MAX_RETRY_DELAY_MS, base * 2 ** (attemptCount - 1));
      },
    };
    this.#got = got.extend({
      timeout: { request: config.timeoutMs },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: "text",
      retry,
      headers: { accept: "application/json", "user-agent": "igdm-graph-client" },
    });
  }

  async request<T>(req: GraphRequest<T>): Promise<T> {
    const secrets = [...(req.secrets ?? []), this.#config.appSecret, this.#config.igAppSecret];
    const scrub = (text: string) => scrubSecrets(text, secrets);
    const path = pathOf(req.url);
    const where = { method: req.method, path };
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);

    let response: Response<string>;
    try {
      response = (await this.#got(req.url, {
        method: req.method,
        ...(req.searchParams ? { searchParams: req.searchParams } : {}),
        ...(req.form ? { form: req.form } : {}),
        ...(req.json !== undefined ? { json: req.json } : {}),
        ...(req.bearer ? { headers: { authorization: `Bearer ${req.bearer}` } } : {}),
      })) as Response<string>;
    } catch (err) {
      throw this.#fail(this.#networkError(err, where, scrub), elapsed(), undefined);
    }

    const status = response.statusCode;
    const text = response.body ?? "";
    const body = parseBody(text);
    const meta = metaError(body);
    const fbtraceId = meta?.fbtraceId ?? headerValue(response.headers, "x-fb-trace-id");
    const retries = response.retryCount;

    if (status < 200 || status >= 300 || meta) {
      const details: GraphApiErrorDetails = {
        ...where,
        status,
        graphCode: meta?.code,
        subcode: meta?.subcode,
        type: meta?.type,
        fbtraceId,
        retryAfterMs: retryAfterMsFromHeaders(response.headers),
      };
      const codes =
        meta?.code === undefined ? "" : `, code ${meta.code}${meta.subcode === undefined ? "" : `/${meta.subcode}`}`;
      const what = meta?.message ?? (body === undefined ? `non-JSON body: ${text.slice(0, 200)}` : "no error message");
      const message = scrub(
        `Graph ${req.method} ${path} failed (HTTP ${status}${meta?.type ? ` ${meta.type}` : ""}${codes}): ${what}` +
          ` [fbtrace_id ${fbtraceId ?? "none"}]`,
      );
      throw this.#fail(new GraphApiError(message, details), elapsed(), retries);
    }

    const parsed = req.schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
      const shown = body === undefined ? ["body is not JSON"] : issues.slice(0, 5);
      const message = scrub(
        `Graph ${req.method} ${path} answered HTTP ${status} with an unexpected body: ${shown.join("; ")}` +
          ` [fbtrace_id ${fbtraceId ?? "none"}]`,
      );
      throw this.#fail(
        new GraphResponseError(message, { ...where, status, fbtraceId, issues: body === undefined ? shown : issues }),
        elapsed(),
        retries,
      );
    }
    this.#config.log?.debug(
      { graph: { ...where, status, durationMs: elapsed(), fbtrace_id: fbtraceId, retries } },
      `graph ${req.method} ${path} ${status}`,
    );
    return parsed.data;
  }

  #networkError(err: unknown, where: { method: string; path: string }, scrub: (s: string) => string): GraphApiError {
    const code = err instanceof RequestError ? err.code : undefined;
    const reason = scrub(err instanceof Error ? err.message : String(err));
    // got's own option/URL errors are bugs on our side, not an outage: retrying cannot help.
    const ours = !(err instanceof RequestError) || (code?.startsWith("ERR_INVALID") ?? false);
    return new GraphApiError(
      `Graph ${where.method} ${where.path} failed without an answer (${code ?? "error"}): ${reason}`,
      {
        ...where,
        status: undefined,
        action: ours ? "stop" : "retry",
      },
    );
  }

  /** For answers that passed their schema but are still wrong (e.g. `success: false`): logs and returns the error. */
  rejectAnswer(error: GraphApiError): GraphApiError {
    this.#config.log?.warn(
      {
        graph: { method: error.method, path: error.path, status: error.status, action: error.action, code: error.code },
      },
      error.message,
    );
    return error;
  }

  #fail(error: GraphApiError, durationMs: number, retries: number | undefined): GraphApiError {
    const log = this.#config.log;
    if (log) {
      const fields = {
        method: error.method,
        path: error.path,
        status: error.status,
        durationMs,
        fbtrace_id: error.fbtraceId,
        retries,
      };
      log.debug({ graph: fields }, `graph ${error.method} ${error.path} ${error.status ?? "no answer"}`);
      log.warn(
        {
          graph: {
            ...fields,
            action: error.action,
            code: error.code,
            graphCode: error.graphCode,
            subcode: error.subcode,
            retryAfterMs: error.retryAfterMs,
          },
        },
        error.message,
      );
    }
    return error;
  }
}

/** What every area module needs: the resolved config and the HTTP layer. */
export interface GraphContext {
  config: ResolvedGraphClientConfig;
  http: GraphHttp;
}

/** Path segments from callers (page ids, IG ids) are encoded: an id can never rewrite the path or add a query. */
export function joinUrl(base: string, ...segments: string[]): string {
  return `${base}/${segments.map((s) => encodeURIComponent(s)).join("/")}`;
}
