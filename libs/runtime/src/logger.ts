import { type Logger, type LoggerOptions, pino } from "pino";

export type { Logger };

const SECRET_KEYS = [
  "token",
  "access_token",
  "accessToken",
  "access_token_enc",
  "accessTokenEnc",
  "appSecret",
  "app_secret",
  "secret",
  "password",
  "client_secret",
  "fb_exchange_token",
  "signature",
  "authorization",
  "cookie",
  "signed_request",
  "signedRequest",
  // Request bodies hold people's messages and Meta's signed requests; log their size, never their content.
  "body",
];

/**
 * Paths pino censors. Keys are covered at the top level and one level down (pino's wildcard is one level);
 * request logs go through `requestSerializer`, which drops query strings and secret headers outright.
 */
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-hub-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-admin-token"]',
  'res.headers["set-cookie"]',
  "query",
  "*.query",
];

interface RequestLike {
  id?: unknown;
  method?: string;
  url?: string;
  ip?: string;
}

/** Logs a request without its query string (verify tokens, OAuth codes and states travel there). */
export function requestSerializer(req: RequestLike) {
  return { id: req.id, method: req.method, path: req.url?.split("?")[0], ip: req.ip };
}

export function createLogger(opts: { service: string; level?: string; destination?: pino.DestinationStream }): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? "info",
    base: { service: opts.service },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { req: requestSerializer, err: pino.stdSerializers.err },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
