import { allStreams } from "@igdm/contracts";
import {
  createLogger,
  handleShutdown,
  loadEnv,
  natsOptionsFromEnv,
  streamSettingsFromEnv,
  topologyFromEnv,
} from "@igdm/runtime";
import { buildApp } from "./app.js";
import { natsAuthRelay } from "./auth/relay.js";
import { IngressEnv } from "./env.js";
import { JetStreamWebhookSink } from "./webhook/sink.js";

const env = loadEnv("ingress", IngressEnv);
const log = createLogger({ service: "ingress", level: env.LOG_LEVEL });
const topology = topologyFromEnv(env);
const webhooksStream = allStreams(topology, streamSettingsFromEnv(env)).filter(
  (s) => s.name === topology.streams.webhooks,
);
const sink = new JetStreamWebhookSink(topology, webhooksStream, env.PUBLISH_TIMEOUT_MS, log);
const auth = natsAuthRelay(() => sink.connection, topology, env.AUTH_TIMEOUT_MS);
const app = await buildApp({ env, log, sink, auth });

handleShutdown(
  log,
  [
    { name: "http", run: () => app.close() },
    { name: "nats", run: () => sink.close() },
  ],
  env.SHUTDOWN_TIMEOUT_MS,
);

await app.listen({ host: env.HOST, port: env.PORT });
sink.connect(natsOptionsFromEnv(env, "ingress")).catch((err) => {
  log.fatal({ err }, "NATS connection failed for good");
  process.exit(1);
});
