import { createLogger, handleShutdown, loadEnv } from "@igdm/runtime";
import { ResponderEnv } from "./env.js";
import { startResponder } from "./service.js";

const env = loadEnv("responder", ResponderEnv);
const log = createLogger({ service: "responder", level: env.LOG_LEVEL });
const responder = await startResponder(env, log);
handleShutdown(log, [{ name: "consumers, requests and NATS", run: () => responder.stop() }], env.SHUTDOWN_TIMEOUT_MS);
