import { createLogger, handleShutdown, loadEnv, notReady, type ReadinessResult, startOpsServer } from "@igdm/runtime";
import { TokenRefresherEnv } from "./env.js";
import { startTokenRefresher } from "./service.js";

const env = loadEnv("token-refresher", TokenRefresherEnv);
const log = createLogger({ service: "token-refresher", level: env.LOG_LEVEL });
let readiness: () => Promise<ReadinessResult> = async () => notReady("nats", "connecting");
// Up before NATS is: probes get "not ready" rather than no answer while the first connection is awaited.
const ops = await startOpsServer({
  service: "token-refresher",
  host: env.OPS_HOST,
  port: env.OPS_PORT,
  log,
  readiness: () => readiness(),
});
const refresher = await startTokenRefresher(env, log);
readiness = refresher.readiness;
handleShutdown(
  log,
  [
    { name: "requests, schedule and NATS", run: () => refresher.stop() },
    { name: "ops http", run: () => ops.close() },
  ],
  env.SHUTDOWN_TIMEOUT_MS,
);
