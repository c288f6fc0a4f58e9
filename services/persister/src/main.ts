import { createLogger, handleShutdown, loadEnv } from "@igdm/runtime";
import { PersisterEnv } from "./env.js";
import { startPersister } from "./service.js";

const env = loadEnv("persister", PersisterEnv);
const log = createLogger({ service: "persister", level: env.LOG_LEVEL });
const persister = await startPersister(env, log);
handleShutdown(log, [{ name: "consumers, NATS and database", run: () => persister.stop() }], env.SHUTDOWN_TIMEOUT_MS);
