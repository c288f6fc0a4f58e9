import { createLogger, handleShutdown, loadEnv } from "@igdm/runtime";
import { NormalizerEnv } from "./env.js";
import { startNormalizer } from "./service.js";

const env = loadEnv("normalizer", NormalizerEnv);
const log = createLogger({ service: "normalizer", level: env.LOG_LEVEL });
const worker = await startNormalizer(env, log);
handleShutdown(log, [{ name: "consumers and NATS", run: () => worker.stop() }], env.SHUTDOWN_TIMEOUT_MS);
