import { randomUUID } from "node:crypto";
import type { Logger } from "@igdm/runtime";
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from "fastify";
import { authRoutes } from "./auth/auth-routes.js";
import type { AuthRelay } from "./auth/relay.js";
import type { IngressEnv } from "./env.js";
import { healthRoutes } from "./health-routes.js";
import { lazyRequestLoggers } from "./lazy-request-logger.js";
import type { DeletionStatusRelay } from "./meta/deletion-status-relay.js";
import { statusRoutes } from "./meta/status-routes.js";
import { userCallbackRoutes } from "./meta/user-callback-routes.js";
import { publicRateLimit } from "./public-rate-limit.js";
import { requestTimeoutOptions } from "./server-timeouts.js";
import { createStats, type IngressStats } from "./stats.js";
import { handshakeRoute } from "./webhook/handshake-route.js";
import { receiveRoute } from "./webhook/receive-route.js";
import type { WebhookSink } from "./webhook/sink.js";

export interface AppDeps {
  env: IngressEnv;
  log: Logger;
  sink: WebhookSink;
  auth: AuthRelay;
  /** The persister's answer for the data-deletion status page. */
  deletionStatus: DeletionStatusRelay;
  stats?: IngressStats;
}

/** Builds the public HTTP app; it holds no state beyond its sink and counters, so replicas scale freely. */
export async function buildApp({
  env,
  log,
  sink,
  auth,
  deletionStatus,
  stats = createStats(),
}: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and fastify's logger type differ only in generics.
    loggerInstance: log as FastifyBaseLogger,
    // No per-request access log on the hot path; rejections and failures log themselves.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLoggers,
    genReqId: () => randomUUID(),
    bodyLimit: env.BODY_LIMIT_BYTES,
    // Passed at creation so node enforces it: slow clients are cut off (see server-timeouts.ts).
    ...requestTimeoutOptions(env.REQUEST_TIMEOUT_MS),
    trustProxy: env.TRUST_PROXY,
    return503OnClosing: true,
  });

  // Callers get a stable code and a message, never a stack trace; 5xx details stay in the log.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500 && status !== 503) req.log.error({ err }, "request failed");
    const message = status >= 500 ? (status === 503 ? err.message : "internal error") : err.message;
    return reply.code(status).send({ error: { code: err.code ?? "IGDM_ERR_INTERNAL", message } });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: { code: "IGDM_ERR_NOT_FOUND", message: "not found" } }),
  );

  const secrets = [
    { name: "app" as const, secret: env.APP_SECRET },
    ...(env.INSTAGRAM_APP_SECRET ? [{ name: "instagram" as const, secret: env.INSTAGRAM_APP_SECRET }] : []),
  ];
  // Only the routes handed a group's hook are limited: never /webhook (Meta's deliveries), /health, /ready, /privacy.
  const limit = await publicRateLimit(app, {
    max: env.PUBLIC_RATE_LIMIT_MAX,
    windowMs: env.PUBLIC_RATE_LIMIT_WINDOW_MS,
    metaCallbackMax: env.META_CALLBACK_RATE_LIMIT_MAX,
  });
  handshakeRoute(app, env.VERIFY_TOKEN);
  await app.register(receiveRoute, { secrets, bodyLimit: env.BODY_LIMIT_BYTES, sink, stats });
  authRoutes(app, auth, limit("oauth"));
  // Its own scope (form parser, 8 KiB limit); the webhook's signature check is scoped to POST /webhook alone.
  await app.register(userCallbackRoutes, {
    secrets: [
      { name: "facebook" as const, secret: env.APP_SECRET },
      ...(env.INSTAGRAM_APP_SECRET ? [{ name: "instagram" as const, secret: env.INSTAGRAM_APP_SECRET }] : []),
    ],
    sink,
    publicUrl: env.PUBLIC_URL,
    rateLimit: limit("user-callbacks"),
  });
  statusRoutes(app, {
    relay: deletionStatus,
    operator: { name: env.OPERATOR_NAME, email: env.OPERATOR_CONTACT_EMAIL },
    retention: {
      webhooksDays: env.WEBHOOKS_MAX_AGE_DAYS,
      eventsDays: env.EVENTS_MAX_AGE_DAYS,
      deadLettersDays: env.DLQ_MAX_AGE_DAYS,
    },
    rateLimit: limit("deletion-status"),
  });
  if (!env.OPERATOR_NAME || !env.OPERATOR_CONTACT_EMAIL) {
    log.warn(
      { missing: ["OPERATOR_NAME", "OPERATOR_CONTACT_EMAIL"].filter((k) => !env[k as keyof IngressEnv]) },
      "the privacy page at /privacy names no operator or contact address; Meta's app review requires both",
    );
  }
  healthRoutes(app, sink, stats);
  return app;
}
