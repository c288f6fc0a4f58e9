import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { constantTimeEquals, type Logger } from "@igdm/runtime";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from "fastify";
import type { IngressEnv } from "../env.js";
import { HttpError } from "../http-error.js";
import { requestTimeoutOptions } from "../server-timeouts.js";
import type { AdminRelay } from "./admin-relay.js";
import { debugRoutes } from "./debug-routes.js";
import { sendRoutes } from "./send-routes.js";

export interface AdminAppDeps {
  env: IngressEnv;
  log: Logger;
  relay: AdminRelay;
}

/** Admin requests are tiny: a recipient and at most 1000 bytes of text. */
const ADMIN_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Exactly one `Authorization: Bearer <token>` header holding the token. Node keeps only the first of repeated
 * Authorization headers, so a repeat is refused here rather than silently half-read. The comparison always runs
 * and neither the token's content nor its length shows in its timing.
 */
function bearerMatches(raw: IncomingMessage, expected: string): boolean {
  let count = 0;
  for (let i = 0; i < raw.rawHeaders.length; i += 2) if (raw.rawHeaders[i]!.toLowerCase() === "authorization") count++;
  const match = /^Bearer +(\S+) *$/i.exec(raw.headers.authorization ?? "");
  const same = constantTimeEquals(match?.[1] ?? "", expected);
  return count === 1 && match !== null && same;
}

/**
 * The admin server: a separate fastify instance on its own port (localhost unless configured), every route behind
 * `Authorization: Bearer <ADMIN_TOKEN>`. It relays to the responder and the persister; it holds nothing itself:
 * manual sends (send-routes.ts) and the persister's read-only views (debug-routes.ts).
 */
export async function buildAdminApp({ env, log, relay }: AdminAppDeps): Promise<FastifyInstance> {
  if (!env.ADMIN_TOKEN) throw new Error("ADMIN_TOKEN is required to build the admin app");
  const expected = env.ADMIN_TOKEN;

  const app = Fastify({
    loggerInstance: (log as FastifyBaseLogger).child({ component: "admin" }),
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: ADMIN_BODY_LIMIT_BYTES,
    // Passed at creation so node enforces it (see server-timeouts.ts).
    ...requestTimeoutOptions(env.REQUEST_TIMEOUT_MS),
    return503OnClosing: true,
  });

  // Same contract as the public app: a stable code and a message, never a stack trace.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    // Ours (HttpError) carry a message written for the caller, 5xx included: an upstream's refusal, its silence.
    const ours = err instanceof HttpError;
    if (status === 503 || status === 504) req.log.warn({ code: err.code }, "admin request: upstream unavailable");
    else if (status >= 500) req.log.error({ err }, "admin request failed");
    const message = status < 500 || status === 503 || ours ? err.message : "internal error";
    // fastify's own client errors (malformed or empty JSON, body too large) get our codes.
    const code = err.code?.startsWith("IGDM_")
      ? err.code
      : status === 413
        ? "IGDM_ERR_BODY_TOO_LARGE"
        : status < 500
          ? "IGDM_ERR_BAD_REQUEST"
          : (err.code ?? "IGDM_ERR_INTERNAL");
    return reply.code(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: { code: "IGDM_ERR_NOT_FOUND", message: "not found" } }),
  );

  // Runs before anything else, unknown routes included: nothing is parsed or relayed for a caller without the token.
  app.addHook("onRequest", async (req, reply) => {
    if (bearerMatches(req.raw, expected)) return;
    req.log.warn({ ip: req.ip }, "admin request without a valid token");
    return reply
      .code(401)
      .header("www-authenticate", "Bearer")
      .send({ error: { code: "IGDM_ERR_ADMIN_AUTH", message: "a valid admin bearer token is required" } });
  });

  sendRoutes(app, relay);
  debugRoutes(app, relay);

  return app;
}
