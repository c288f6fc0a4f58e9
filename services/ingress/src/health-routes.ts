import type { FastifyInstance } from "fastify";
import type { IngressStats } from "./stats.js";
import type { WebhookSink } from "./webhook/sink.js";

/** Liveness (the process answers) and readiness (NATS connected, WEBHOOKS stream reachable). */
export function healthRoutes(app: FastifyInstance, sink: WebhookSink, stats: IngressStats): void {
  app.get("/health", async () => ({ status: "ok", uptimeSeconds: Math.round(process.uptime()), webhooks: stats }));
  app.get("/ready", async (_req, reply) => {
    const r = await sink.readiness();
    return reply
      .code(r.ready ? 200 : 503)
      .send(r.ready ? { status: "ready" } : { status: "not_ready", reason: r.reason });
  });
}
