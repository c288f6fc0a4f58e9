import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, onRequestAsyncHookHandler } from "fastify";
import { errors } from "./http-error.js";
import { rateLimitedRequests } from "./stats.js";

/** Routes that share one budget per client: an OAuth round trip is a login and a callback. */
export type PublicRouteGroup = "oauth" | "user-callbacks" | "deletion-status";

/** The onRequest hook that counts a request against its group's budget, answering 429 once it is spent. */
export type PublicRateLimit = (group: PublicRouteGroup) => onRequestAsyncHookHandler;

/**
 * Per-client-address limits for the public routes a browser or anyone can call. Nothing is limited unless its
 * route asks for a group's hook (`global: false`): POST /webhook never does, since Meta's deliveries must not be
 * throttled and the signature check already refuses forgeries cheaply. The counts live in this process (per
 * replica); a global limit belongs at the load balancer. req.ip honours TRUST_PROXY.
 */
export async function publicRateLimit(
  app: FastifyInstance,
  limits: { max: number; windowMs: number; metaCallbackMax: number },
): Promise<PublicRateLimit> {
  await app.register(rateLimit, {
    global: false,
    max: limits.max,
    timeWindow: limits.windowMs,
    keyGenerator: (req) => req.ip,
    // Thrown, so the app's error handler answers with the usual {error: {code, message}}; Retry-After is already set.
    errorResponseBuilder: (_req, context) => errors.rateLimited(Math.max(1, Math.ceil(context.ttl / 1000))),
    onExceeded: (req) => {
      const route = req.routeOptions.url ?? "unknown";
      rateLimitedRequests.inc({ route });
      // Debug only: a flood would otherwise flood the log too; the counter is the signal.
      req.log.debug({ route, ip: req.ip }, "rate limited");
    },
  });
  const hooks = new Map<PublicRouteGroup, onRequestAsyncHookHandler>();
  return (group) => {
    let hook = hooks.get(group);
    if (!hook) {
      // Options (even empty) give the group a store of its own, shared by the group's routes.
      hook = app.rateLimit(
        group === "user-callbacks" ? { max: limits.metaCallbackMax } : {},
      ) as unknown as onRequestAsyncHookHandler;
      hooks.set(group, hook);
    }
    return hook;
  };
}
