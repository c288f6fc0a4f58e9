import type { FastifyReply, FastifyRequest } from "fastify";
import { businessUseCaseUsage, graphErrorBody, instagramApiErrorBody, type MetaError } from "./errors.js";
import type { SandboxHost } from "./state.js";

/** Path prefixes standing for Meta's hosts. */
export const HOST_PREFIXES: Readonly<Record<Exclude<SandboxHost, "other">, string>> = {
  graph: "/graph",
  www: "/www",
  "ig-api": "/ig-api",
  "ig-graph": "/ig-graph",
  "ig-www": "/ig-www",
};

const VERSION_SEGMENT = /^\/(graph|www|ig-api|ig-graph|ig-www)\/v\d+(?:\.\d+)?(?=[/?#]|$)/;

/** `/graph/v21.0/me?x` -> `/graph/me?x`: routes are registered once, without Meta's version segment. */
export function stripVersion(url: string): string {
  return url.replace(VERSION_SEGMENT, "/$1");
}

export function hostOf(path: string): SandboxHost {
  const first = path.split("/")[1] ?? "";
  return first in HOST_PREFIXES ? (first as SandboxHost) : "other";
}

/** The path as the client sent it (with version), without the query. */
export function originalPath(request: FastifyRequest): string {
  return request.originalUrl.split("?")[0] ?? "/";
}

function firstString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return firstString(value[0]);
  return undefined;
}

/** The query as a flat string map (the first value of repeated keys). */
export function queryOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const q = (request.query ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(q)) {
    const s = firstString(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** A Graph parameter: Meta reads them from the query and from a form or JSON body alike (body wins). */
export function param(request: FastifyRequest, name: string): string | undefined {
  return firstString(bodyObject(request)[name]) ?? queryOf(request)[name];
}

/** A parameter that may be structured: a JSON body value as is, a form/query value parsed as JSON when it is JSON. */
export function structuredParam(request: FastifyRequest, name: string): unknown {
  const fromBody = bodyObject(request)[name];
  const raw = fromBody ?? queryOf(request)[name];
  if (typeof raw !== "string") return raw;
  const trimmed = raw.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return raw;
    }
  }
  return raw;
}

/** `access_token` from the query or body, or `Authorization: Bearer|OAuth <token>`. */
export function accessTokenOf(request: FastifyRequest): string | undefined {
  const fromParams = param(request, "access_token");
  if (fromParams) return fromParams;
  const header = request.headers.authorization;
  const match = header ? /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** The Graph object id an error's usage header is about: the first numeric path segment, else the app. */
function usageObject(path: string, fallback: string): string {
  return path.split("/").find((s) => /^\d+$/.test(s)) ?? fallback;
}

/** Answers a Meta error in the shape of the host the request went to, with Meta's headers. */
export function sendMetaError(
  reply: FastifyReply,
  request: FastifyRequest,
  err: MetaError,
  appId: string,
): FastifyReply {
  const path = originalPath(request);
  const trace = String(reply.getHeader("x-fb-trace-id") ?? "");
  if (err.retryAfter) reply.header("x-business-use-case-usage", businessUseCaseUsage(usageObject(path, appId)));
  if (err.challenge) {
    const quoted = err.message.replace(/"/g, "'");
    reply.header("www-authenticate", `OAuth "Facebook Platform" "${err.challenge}" "${quoted}"`);
  }
  const body = hostOf(path) === "ig-api" ? instagramApiErrorBody(err) : graphErrorBody(err, trace);
  return reply.code(err.status).type("application/json; charset=UTF-8").send(body);
}

/** `redirect_uri` with parameters added to its query (and Meta's fragment for Instagram). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>, fragment?: string) {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  if (fragment !== undefined) url.hash = fragment;
  return url.toString();
}

/** Only absolute http(s) URLs can be redirect targets. */
export function isAbsoluteHttpUrl(value: string | undefined): value is string {
  if (!value) return false;
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** Scopes as Meta accepts them: comma- or space-separated. */
export function parseScopes(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(/[\s,]+/).filter(Boolean))];
}
