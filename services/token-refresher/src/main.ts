import { createLogger, handleShutdown, loadEnv } from "@igdm/runtime";
import { TokenRefresherEnv } from "./env.js";
import { startTokenRefresher } from "./service.js";

const env = loadEnv("token-refresher", TokenRefresherEnv);
const log = createLogger({ service: "token-refresher", level: env.LOG_LEVEL });
const refresher = await startTokenRefresher(env, log);
handleShutdown(log, [{ name: "requests, schedule and NATS", run: () => refresher.stop() }], env.SHUTDOWN_TIMEOUT_MS);
