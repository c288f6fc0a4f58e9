import { createLogger, handleShutdown, loadEnv, notReady, type ReadinessResult, startOpsServer } from "@igdm/runtime";
import { PersisterEnv } from "./env.js";
import { persisterReadiness } from "./readiness.js";
import { startPersister } from "./service.js";

const env = loadEnv("persister", PersisterEnv);
const log = createLogger({ service: "persister", level: env.LOG_LEVEL });
let readiness: () => Promise<ReadinessResult> = async () => notReady("nats", "connecting");
// Up before NATS is: probes get "not ready" rather than no answer while the first connection is awaited.
const ops = await startOpsServer({
  service: "persister",
  host: env.OPS_HOST,
  port: env.OPS_PORT,
  log,
  readiness: () => readiness(),
});
const persister = await startPersister(env, log);
readiness = persisterReadiness(persister);
handleShutdown(
  log,
  [
    { name: "consumers, NATS and database", run: () => persister.stop() },
    { name: "ops http", run: () => ops.close() },
  ],
  env.SHUTDOWN_TIMEOUT_MS,
);
