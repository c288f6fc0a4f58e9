import { allStreams } from "@igdm/contracts";
import {
  createLogger,
  handleShutdown,
  loadEnv,
  natsOptionsFromEnv,
  notReady,
  startOpsServer,
  streamSettingsFromEnv,
  topologyFromEnv,
} from "@igdm/runtime";
import { buildAdminApp } from "./admin/admin-app.js";
import { natsAdminRelay } from "./admin/admin-relay.js";
import { buildApp } from "./app.js";
import { natsAuthRelay } from "./auth/relay.js";
import { IngressEnv } from "./env.js";
import { natsDeletionStatusRelay } from "./meta/deletion-status-relay.js";
import { warnIfBodyLimitExceedsPayload } from "./webhook/payload-limit.js";
import { JetStreamWebhookSink } from "./webhook/sink.js";

const env = loadEnv("ingress", IngressEnv);
const log = createLogger({ service: "ingress", level: env.LOG_LEVEL });
const topology = topologyFromEnv(env);
const webhooksStream = allStreams(topology, streamSettingsFromEnv(env)).filter(
  (s) => s.name === topology.streams.webhooks,
);
const sink = new JetStreamWebhookSink(topology, webhooksStream, env.PUBLISH_TIMEOUT_MS, log);
const auth = natsAuthRelay(() => sink.connection, topology, env.AUTH_TIMEOUT_MS);
const deletionStatus = natsDeletionStatusRelay(() => sink.connection, topology, env.RPC_TIMEOUT_MS);
const app = await buildApp({ env, log, sink, auth, deletionStatus });
// The admin server exists only when a token is configured: no token, no way in, so it is not started at all.
const admin = env.ADMIN_TOKEN
  ? await buildAdminApp({ env, log, relay: natsAdminRelay(() => sink.connection, topology, env.RPC_TIMEOUT_MS) })
  : undefined;
if (!admin)
  log.warn("ADMIN_TOKEN is not set: the admin server (manual sends, send status, debug views) is not started");
// /metrics, /health and /ready on the ops port, up at once like the public port (ready once NATS is).
const ops = await startOpsServer({
  service: "ingress",
  host: env.OPS_HOST,
  port: env.OPS_PORT,
  log,
  readiness: async () => {
    const r = await sink.readiness();
    return r.ready ? { ready: true, checks: { nats: { ok: true } } } : notReady("nats", r.reason ?? "not ready");
  },
});

handleShutdown(
  log,
  [
    { name: "http", run: () => app.close() },
    ...(admin ? [{ name: "admin-http", run: () => admin.close() }] : []),
    { name: "nats", run: () => sink.close() },
    { name: "ops-http", run: () => ops.close() },
  ],
  env.SHUTDOWN_TIMEOUT_MS,
);

await app.listen({ host: env.HOST, port: env.PORT });
if (admin) await admin.listen({ host: env.ADMIN_HOST, port: env.ADMIN_PORT });
sink.connect(natsOptionsFromEnv(env, "ingress")).then(
  () => {
    if (sink.connection) warnIfBodyLimitExceedsPayload(sink.connection, env.BODY_LIMIT_BYTES, log);
  },
  (err) => {
    log.fatal({ err }, "NATS connection failed for good");
    process.exit(1);
  },
);
