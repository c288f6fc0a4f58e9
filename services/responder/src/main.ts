import { createLogger, loadEnv, runService } from "@igdm/runtime";
import { ResponderEnv } from "./env.js";
import { startResponder } from "./service.js";

const env = loadEnv("responder", ResponderEnv);
const log = createLogger({ service: "responder", level: env.LOG_LEVEL });
await runService({
  service: "responder",
  env,
  log,
  stops: "consumers, requests and NATS",
  start: () => startResponder(env, log),
});
