import { createLogger, loadEnv, runService } from "@igdm/runtime";
import { NormalizerEnv } from "./env.js";
import { startNormalizer } from "./service.js";

const env = loadEnv("normalizer", NormalizerEnv);
const log = createLogger({ service: "normalizer", level: env.LOG_LEVEL });
await runService({
  service: "normalizer",
  env,
  log,
  stops: "consumers and NATS",
  start: () => startNormalizer(env, log),
});
