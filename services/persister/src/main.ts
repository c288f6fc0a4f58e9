import { createLogger, loadEnv, runService } from "@igdm/runtime";
import { PersisterEnv } from "./env.js";
import { persisterReadiness } from "./readiness.js";
import { startPersister } from "./service.js";

const env = loadEnv("persister", PersisterEnv);
const log = createLogger({ service: "persister", level: env.LOG_LEVEL });
await runService({
  service: "persister",
  env,
  log,
  stops: "consumers, NATS and database",
  start: async () => {
    const persister = await startPersister(env, log);
    // NATS and the durables as every worker, plus the database.
    return { ...persister, readiness: persisterReadiness(persister) };
  },
});
