import { DAY, SECOND, type StreamSettings, type Topology, topology } from "@igdm/contracts";
import type { CommonEnv } from "./env.js";

export function topologyFromEnv(env: Pick<CommonEnv, "NATS_NAMESPACE">): Topology {
  return topology(env.NATS_NAMESPACE);
}

export function streamSettingsFromEnv(env: CommonEnv): StreamSettings {
  return {
    replicas: env.NATS_REPLICAS,
    webhooksMaxAgeMs: env.WEBHOOKS_MAX_AGE_DAYS * DAY,
    eventsMaxAgeMs: env.EVENTS_MAX_AGE_DAYS * DAY,
    dlqMaxAgeMs: env.DLQ_MAX_AGE_DAYS * DAY,
    duplicateWindowMs: env.DUPLICATE_WINDOW_SECONDS * SECOND,
  };
}
