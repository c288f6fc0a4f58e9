import type { FastifyServerOptions } from "fastify";

/**
 * Server options that make REQUEST_TIMEOUT_MS actually cut off a slow client (the fuzz tests found it did not).
 * Given as fastify's `requestTimeout` alone, it is set on the server after node created it, when node has fixed
 * headersTimeout at its 60 s default: with headersTimeout above requestTimeout node's connection check enforces
 * neither, and a client trickling its body held its request open for as long as it liked. Passed at creation, node
 * derives a consistent headersTimeout. And node only looks for expired requests every connectionsCheckingInterval
 * (30 s by default): a few looks per timeout cut a slow client off within about the configured time.
 */
export function requestTimeoutOptions(timeoutMs: number): Pick<FastifyServerOptions, "requestTimeout"> & {
  http: { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number };
} {
  return {
    requestTimeout: timeoutMs,
    http: {
      requestTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4))),
    },
  };
}
