import { GraphClient } from "@igdm/meta";
import type { Logger } from "@igdm/runtime";
import type { ResponderEnv } from "./env.js";

type SendApiEnv = Pick<
  ResponderEnv,
  "GRAPH_API_BASE_URL" | "INSTAGRAM_GRAPH_BASE_URL" | "GRAPH_API_VERSION" | "APP_ID" | "GRAPH_TIMEOUT_MS"
>;

/**
 * The Graph client the responder sends with: one attempt per call (a repeated send could message the person twice),
 * given up after GRAPH_TIMEOUT_MS, which the claim's lease builds on (send-lease.ts).
 */
export function sendApiClient(env: SendApiEnv, log: Logger): GraphClient {
  return new GraphClient({
    graphBaseUrl: env.GRAPH_API_BASE_URL,
    igGraphBaseUrl: env.INSTAGRAM_GRAPH_BASE_URL,
    apiVersion: env.GRAPH_API_VERSION,
    // The Send API authenticates with the page's own token: the responder never holds the app secret.
    appId: env.APP_ID ?? "responder",
    appSecret: "not-used-by-the-send-api",
    timeoutMs: env.GRAPH_TIMEOUT_MS,
    retries: 0,
    log,
  });
}
