import { createLogger, loadEnv, runService } from "@igdm/runtime";
import { TokenRefresherEnv } from "./env.js";
import { startTokenRefresher } from "./service.js";

const env = loadEnv("token-refresher", TokenRefresherEnv);
const log = createLogger({ service: "token-refresher", level: env.LOG_LEVEL });
await runService({
  service: "token-refresher",
  env,
  log,
  stops: "requests, schedule and NATS",
  start: () => startTokenRefresher(env, log),
});
