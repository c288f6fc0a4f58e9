import { ConfigError, type Logger } from "@igdm/runtime";

/** What a `GraphClient` needs. Only `appId` and `appSecret` are required; everything else has Meta's defaults. */
export interface GraphClientConfig {
  /** Facebook Graph API host (Facebook Login, Page tokens, subscriptions, Send API for Facebook Login). */
  graphBaseUrl?: string;
  /** Instagram Graph API host (Instagram Login: long-lived tokens, refresh, /me, Send API). */
  igGraphBaseUrl?: string;
  /** Instagram OAuth host (Instagram Login code exchange). */
  igApiBaseUrl?: string;
  /** Graph API version path segment, e.g. "v23.0". */
  apiVersion?: string;
  /** Facebook app id and secret (Facebook Login, debug_token's app token, subscription checks). */
  appId: string;
  appSecret: string;
  /** Instagram app id and secret (Instagram Login); fall back to `appId` / `appSecret` when not set. */
  igAppId?: string;
  igAppSecret?: string;
  /** Per attempt, covering connect, send and receive. */
  timeoutMs?: number;
  /** Retries of GET requests only, on network errors, timeouts and 5xx answers (got's retry). */
  retries?: number;
  /** Base of the exponential retry backoff (1 s, 2 s, ...); `Retry-After` wins when Meta sends one. */
  retryBaseDelayMs?: number;
  /** One debug line per call, one warn line per failed call; never a token. */
  log?: Logger;
}

export interface ResolvedGraphClientConfig {
  graphBaseUrl: string;
  igGraphBaseUrl: string;
  igApiBaseUrl: string;
  apiVersion: string;
  appId: string;
  appSecret: string;
  igAppId: string;
  igAppSecret: string;
  timeoutMs: number;
  retries: number;
  retryBaseDelayMs: number;
  log: Logger | undefined;
}

export const GRAPH_CLIENT_DEFAULTS = {
  graphBaseUrl: "https://graph.facebook.com",
  igGraphBaseUrl: "https://graph.instagram.com",
  igApiBaseUrl: "https://api.instagram.com",
  apiVersion: "v23.0",
  timeoutMs: 10_000,
  retries: 2,
  retryBaseDelayMs: 1000,
} as const;

const API_VERSION = /^v\d+\.\d+$/;

function baseUrl(name: string, value: string, problems: string[]): string {
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") problems.push(`${name} must be an http(s) URL`);
  } catch {
    problems.push(`${name} is not a URL`);
  }
  return value.replace(/\/+$/, "");
}

/** Applies the defaults and checks the values; a bad config throws `ConfigError` naming every problem. */
export function resolveGraphClientConfig(config: GraphClientConfig): ResolvedGraphClientConfig {
  const problems: string[] = [];
  const d = GRAPH_CLIENT_DEFAULTS;
  const resolved: ResolvedGraphClientConfig = {
    graphBaseUrl: baseUrl("graphBaseUrl", config.graphBaseUrl ?? d.graphBaseUrl, problems),
    igGraphBaseUrl: baseUrl("igGraphBaseUrl", config.igGraphBaseUrl ?? d.igGraphBaseUrl, problems),
    igApiBaseUrl: baseUrl("igApiBaseUrl", config.igApiBaseUrl ?? d.igApiBaseUrl, problems),
    apiVersion: config.apiVersion ?? d.apiVersion,
    appId: config.appId,
    appSecret: config.appSecret,
    igAppId: config.igAppId || config.appId,
    igAppSecret: config.igAppSecret || config.appSecret,
    timeoutMs: config.timeoutMs ?? d.timeoutMs,
    retries: config.retries ?? d.retries,
    retryBaseDelayMs: config.retryBaseDelayMs ?? d.retryBaseDelayMs,
    log: config.log,
  };
  if (!resolved.appId) problems.push("appId is required");
  if (!resolved.appSecret) problems.push("appSecret is required");
  if (!API_VERSION.test(resolved.apiVersion)) problems.push(`apiVersion must look like v23.0`);
  if (!Number.isFinite(resolved.timeoutMs) || resolved.timeoutMs <= 0) problems.push("timeoutMs must be positive");
  if (!Number.isInteger(resolved.retries) || resolved.retries < 0) problems.push("retries must be an integer >= 0");
  if (!Number.isFinite(resolved.retryBaseDelayMs) || resolved.retryBaseDelayMs < 0) {
    problems.push("retryBaseDelayMs must be >= 0");
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `graph client: ${p}`));
  return resolved;
}
