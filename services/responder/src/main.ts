import { createLogger, handleShutdown, loadEnv, notReady, type ReadinessResult, startOpsServer } from "@igdm/runtime";
import { ResponderEnv } from "./env.js";
import { startResponder } from "./service.js";

const env = loadEnv("responder", ResponderEnv);
const log = createLogger({ service: "responder", level: env.LOG_LEVEL });
let readiness: () => Promise<ReadinessResult> = async () => notReady("nats", "connecting");
// Up before NATS is: probes get "not ready" rather than no answer while the first connection is awaited.
const ops = await startOpsServer({
  service: "responder",
  host: env.OPS_HOST,
  port: env.OPS_PORT,
  log,
  readiness: () => readiness(),
});
const responder = await startResponder(env, log);
readiness = responder.readiness;
handleShutdown(
  log,
  [
    { name: "consumers, requests and NATS", run: () => responder.stop() },
    { name: "ops http", run: () => ops.close() },
  ],
  env.SHUTDOWN_TIMEOUT_MS,
);
