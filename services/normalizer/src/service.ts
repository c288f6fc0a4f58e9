import { allStreams, consumers, RawWebhook } from "@igdm/contracts";
import { type Logger, startWorker, streamSettingsFromEnv, topologyFromEnv, type Worker } from "@igdm/runtime";
import type { NormalizerEnv } from "./env.js";
import { normalizeBatch } from "./normalize-batch.js";

/** Consumes WEBHOOKS (durable "normalizer") and publishes typed events to EVENTS. */
export function startNormalizer(env: NormalizerEnv, log: Logger): Promise<Worker> {
  const topology = topologyFromEnv(env);
  return startWorker({
    service: "normalizer",
    env,
    log,
    topology,
    streams: allStreams(topology, streamSettingsFromEnv(env)),
    consumers: (js) => [
      {
        definition: consumers(topology).normalizer,
        schema: RawWebhook,
        maxBatch: env.NORMALIZER_MAX_BATCH,
        handle: (batch) => normalizeBatch(js, topology, env.PUBLISH_TIMEOUT_MS, batch),
      },
    ],
  });
}
