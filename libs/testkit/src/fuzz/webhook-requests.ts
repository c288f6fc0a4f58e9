import { createHmac } from "node:crypto";
import fc from "fast-check";
import type { FuzzBody } from "./fuzz-body.js";

/** How the X-Hub-Signature-256 header of a generated request relates to its body. */
export type SignatureKind =
  | "valid"
  | "valid-second-secret"
  | "valid-uppercase-hex"
  | "wrong-secret"
  | "other-body"
  | "sha1-only"
  | "sha1-in-sha256-header"
  | "truncated"
  | "too-long"
  | "no-prefix"
  | "not-hex"
  | "padded"
  | "empty"
  | "missing"
  | "repeated"
  | "garbage";

export type ContentTypeKind = "json" | "wrong" | "missing" | "repeated";

export interface FuzzWebhookRequest {
  method: string;
  /** Path and query. */
  url: string;
  /** Header lines as sent, in order: names in any case, a name may repeat. No framing headers (length, encoding). */
  headers: [string, string][];
  body: FuzzBody;
  signature: SignatureKind;
  contentType: ContentTypeKind;
}

export interface WebhookRequestOptions {
  /** The secrets ingress accepts; the first signs "valid", the second "valid-second-secret". */
  secrets: readonly [string, string];
  body: fc.Arbitrary<FuzzBody>;
  /** Share of requests that are POST /webhook (the rest: other methods and paths). */
  postWebhookWeight?: number;
}

const hmac = (secret: string, body: Uint8Array, algorithm = "sha256") =>
  createHmac(algorithm, secret).update(body).digest("hex");

/** Media types fastify must accept as JSON: any case, parameters, surrounding blanks. */
export const JSON_CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "Application/JSON",
  "APPLICATION/JSON; CHARSET=UTF-8",
  "application/json;charset=utf-8",
  "application/json; foo=bar",
  " application/json ",
  "application/json;",
] as const;

const WRONG_CONTENT_TYPES = [
  "text/plain",
  "text/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/jsonx",
  "application/json-patch+json",
  "application/vnd.api+json",
  "application/xml",
  "application/*",
  "*/*",
  "json",
  "",
  "application/json, text/plain",
  "text/plain; charset=application/json",
] as const;

/** The media type as fastify reads it: before any parameter, trimmed, any case. */
export function isJsonMediaType(value: string): boolean {
  return value.split(";")[0]!.trim().toLowerCase() === "application/json";
}

const headerValue = fc.stringMatching(/^[!-~]([ -~]{0,60}[!-~])?$/);
const extraHeaderName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,24}$/)
  .filter(
    (n) =>
      !["content-length", "transfer-encoding", "host", "connection", "expect", "upgrade", "te", "trailer"].includes(n),
  )
  .filter((n) => !n.startsWith("content-") && !n.startsWith("x-hub-"));

function signatureHeaders(kind: SignatureKind, body: Buffer, [app, second]: readonly [string, string], noise: string) {
  const valid = `sha256=${hmac(app, body)}`;
  switch (kind) {
    case "valid":
      return [valid];
    case "valid-second-secret":
      return [`sha256=${hmac(second, body)}`];
    case "valid-uppercase-hex":
      return [`sha256=${hmac(app, body).toUpperCase()}`];
    case "wrong-secret":
      return [`sha256=${hmac(`${app}-not`, body)}`];
    case "other-body":
      return [`sha256=${hmac(app, Buffer.concat([body, Buffer.from(" ")]))}`];
    case "sha1-only":
      return [];
    case "sha1-in-sha256-header":
      return [`sha1=${hmac(app, body, "sha1")}`];
    case "truncated":
      return [valid.slice(0, 7 + (noise.length % 63))];
    case "too-long":
      return [`${valid}0`];
    case "no-prefix":
      return [hmac(app, body)];
    case "not-hex":
      return [`sha256=${"g".repeat(64)}`];
    case "padded":
      return [` ${valid}`];
    case "empty":
      return [""];
    case "missing":
      return [];
    case "repeated":
      return [valid, valid];
    case "garbage":
      return [noise];
  }
}

function contentTypeHeaders(kind: ContentTypeKind, json: string, wrong: string): string[] {
  if (kind === "json") return [json];
  if (kind === "wrong") return [wrong];
  if (kind === "repeated") return [json, wrong];
  return [];
}

const signatureKind = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<SignatureKind>("valid", "valid-second-secret", "valid-uppercase-hex") },
  {
    weight: 6,
    arbitrary: fc.constantFrom<SignatureKind>(
      "wrong-secret",
      "other-body",
      "sha1-only",
      "sha1-in-sha256-header",
      "truncated",
      "too-long",
      "no-prefix",
      "not-hex",
      "padded",
      "empty",
      "missing",
      "repeated",
      "garbage",
    ),
  },
);

/**
 * Requests a sender could make to the webhook endpoint: mostly POST /webhook with any body, signature and content
 * type, header names in any case, repeated and unknown headers; some other methods and paths.
 */
export function webhookRequest(opts: WebhookRequestOptions): fc.Arbitrary<FuzzWebhookRequest> {
  const postWeight = opts.postWebhookWeight ?? 9;
  const target = fc.oneof(
    { weight: postWeight * 3, arbitrary: fc.constant({ method: "POST", url: "/webhook" }) },
    {
      weight: postWeight,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        url: fc.constantFrom("/webhook?hub.mode=subscribe", "/webhook?x=%zz&y"),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "POST"),
        url: fc.constantFrom("/webhook", "/webhook/", "/WEBHOOK", "/webhooks", "/", "/webhook/x"),
      }),
    },
  );
  return fc
    .record({
      target,
      body: opts.body,
      signature: signatureKind,
      contentType: fc.constantFrom<ContentTypeKind>("json", "json", "json", "json", "wrong", "missing", "repeated"),
      json: fc.constantFrom(...JSON_CONTENT_TYPES),
      wrong: fc.oneof(
        fc.constantFrom(...WRONG_CONTENT_TYPES),
        headerValue.filter((v) => !isJsonMediaType(v)),
      ),
      noise: headerValue,
      extra: fc.array(fc.tuple(extraHeaderName, headerValue), { maxLength: 4 }),
      sha1: fc.boolean(),
      shuffle: fc.nat(),
      caseSeed: fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }),
    })
    .map(({ target, body, signature, contentType, json, wrong, noise, extra, sha1, shuffle, caseSeed }) => {
      const anyCase = (name: string) =>
        name
          .split("")
          .map((c, i) => (caseSeed[i % caseSeed.length] ? c.toUpperCase() : c))
          .join("");
      const headers: [string, string][] = [
        ...signatureHeaders(signature, body.bytes, opts.secrets, noise).map((v): [string, string] => [
          anyCase("x-hub-signature-256"),
          v,
        ]),
        ...contentTypeHeaders(contentType, json, wrong).map((v): [string, string] => [anyCase("content-type"), v]),
        ...(sha1 || signature === "sha1-only"
          ? [["X-Hub-Signature", `sha1=${hmac(opts.secrets[0], body.bytes, "sha1")}`] as [string, string]]
          : []),
        ["user-agent", "facebookexternalua"],
        ...extra,
      ];
      // The order of header lines must not matter: rotate them.
      const k = shuffle % headers.length;
      return {
        method: target.method,
        url: target.url,
        headers: [...headers.slice(k), ...headers.slice(0, k)],
        body,
        signature,
        contentType,
      };
    });
}

/** Headers whose repeats node keeps only the first of (http.IncomingMessage docs); the others are joined with ", ". */
const FIRST_WINS = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/**
 * The headers as node's HTTP parser hands them to a handler: lower-case names, values without surrounding blanks,
 * repeats merged as node merges them. `app.inject` takes headers as given, so inject these to see what a socket sees.
 */
export function nodeHeaders(lines: readonly [string, string][]): Record<string, string> {
  // A Map: a header may be called "constructor" or "__proto__".
  const out = new Map<string, string>();
  for (const [rawName, rawValue] of lines) {
    const value = rawValue.replace(/^[ \t]+|[ \t]+$/g, "");
    const name = rawName.toLowerCase();
    const seen = out.get(name);
    if (seen === undefined) out.set(name, value);
    else if (!FIRST_WINS.has(name)) out.set(name, `${seen}${name === "cookie" ? "; " : ", "}${value}`);
  }
  return Object.fromEntries(out);
}

/** How a raw request carries its body: Content-Length, or chunked in pieces of `chunkSize` bytes. */
export type Framing = { chunked: false } | { chunked: true; chunkSize: number };

/** The request as bytes on the wire, header lines exactly as generated (case, order, repeats), `Connection: close`. */
export function rawWebhookHttpRequest(req: FuzzWebhookRequest, framing: Framing): Buffer {
  const body = req.body.bytes;
  const head = [
    `${req.method} ${req.url} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Connection: close",
    ...req.headers.map(([name, value]) => `${name}: ${value}`),
    framing.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${body.length}`,
  ];
  const parts: Buffer[] = [Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1")];
  if (!framing.chunked) parts.push(body);
  else {
    for (let at = 0; at < body.length; at += framing.chunkSize) {
      const piece = body.subarray(at, at + framing.chunkSize);
      parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
    }
    parts.push(Buffer.from("0\r\n\r\n"));
  }
  return Buffer.concat(parts);
}

export type WebhookOutcome =
  | { status: 200; published: true }
  | { status: 400 | 401 | 403 | 413 | 415; published: false }
  | { status: "not-the-webhook-route"; published: false };

/**
 * What ingress must answer, from its documented contract: the signature header's syntax is checked before the
 * body is read (401 missing, 403 malformed), then fastify's body parsing (415 not JSON, 413 over the limit), then
 * an empty body (400), then the HMAC over the exact bytes (403). Only a verified body is published (200).
 */
export function expectedWebhookOutcome(
  req: Pick<FuzzWebhookRequest, "method" | "url" | "headers" | "body">,
  secrets: readonly string[],
  bodyLimit: number,
  framing: Framing = { chunked: false },
): WebhookOutcome {
  if (req.method !== "POST" || req.url.split("?")[0] !== "/webhook") {
    return { status: "not-the-webhook-route", published: false };
  }
  const headers = new Map(Object.entries(nodeHeaders(req.headers)));
  const signature = headers.get("x-hub-signature-256");
  if (signature === undefined || signature === "") return { status: 401, published: false };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature);
  if (!match) return { status: 403, published: false };
  const bytes = req.body.bytes;
  const contentType = headers.get("content-type");
  // Without a content type fastify parses nothing only when nothing is announced: no length (or 0), not chunked.
  if (contentType === undefined)
    return { status: bytes.length === 0 && !framing.chunked ? 400 : 415, published: false };
  if (!isJsonMediaType(contentType)) return { status: 415, published: false };
  if (bytes.length > bodyLimit) return { status: 413, published: false };
  if (bytes.length === 0) return { status: 400, published: false };
  const given = match[1]!.toLowerCase();
  if (!secrets.some((s) => hmac(s, bytes) === given)) return { status: 403, published: false };
  return { status: 200, published: true };
}
