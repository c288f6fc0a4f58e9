import { createLogger, handleShutdown, loadEnv, notReady, startOpsServer, type Worker } from "@igdm/runtime";
import { NormalizerEnv } from "./env.js";
import { startNormalizer } from "./service.js";

const env = loadEnv("normalizer", NormalizerEnv);
const log = createLogger({ service: "normalizer", level: env.LOG_LEVEL });
let worker: Worker | undefined;
// Up before NATS is: probes get "not ready" rather than no answer while the first connection is awaited.
const ops = await startOpsServer({
  service: "normalizer",
  host: env.OPS_HOST,
  port: env.OPS_PORT,
  log,
  readiness: async () => (worker ? worker.readiness() : notReady("nats", "connecting")),
});
worker = await startNormalizer(env, log);
const started = worker;
handleShutdown(
  log,
  [
    { name: "consumers and NATS", run: () => started.stop() },
    { name: "ops http", run: () => ops.close() },
  ],
  env.SHUTDOWN_TIMEOUT_MS,
);
