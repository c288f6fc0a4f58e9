import { commonEnv, OPS_PORTS, opsEnv, positiveInt } from "@igdm/runtime";
import { z } from "zod";

export const NormalizerEnv = z.object({
  ...commonEnv,
  ...opsEnv(OPS_PORTS.normalizer),
  /** Raw webhooks handled per batch under load (their events are published concurrently). */
  NORMALIZER_MAX_BATCH: positiveInt(100),
  /** Longest wait for JetStream's ack of one event before the batch is retried. */
  PUBLISH_TIMEOUT_MS: positiveInt(5000),
});
export type NormalizerEnv = z.infer<typeof NormalizerEnv>;
