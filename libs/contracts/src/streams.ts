import { DAY, MINUTE, nanos } from "./duration.js";
import type { Topology } from "./topology.js";

/**
 * A stream in the JetStream API's own JSON shape (snake_case, nanosecond durations), so one definition serves the
 * JS client and `nats stream add --config`. Only fields NATS 2.9 understands: no metadata, compression or transforms.
 */
export interface StreamDefinition {
  name: string;
  description: string;
  subjects: string[];
  retention: "limits";
  storage: "file";
  discard: "old";
  max_age: number;
  duplicate_window: number;
  num_replicas: number;
  max_msg_size: number;
  allow_direct: boolean;
}

export interface StreamSettings {
  /** 1 on a single server, 3 on a cluster. */
  replicas: number;
  webhooksMaxAgeMs: number;
  eventsMaxAgeMs: number;
  dlqMaxAgeMs: number;
  /** How long JetStream remembers a Nats-Msg-Id; Meta's retries inside it are dropped at the broker. */
  duplicateWindowMs: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  replicas: 1,
  webhooksMaxAgeMs: 7 * DAY,
  eventsMaxAgeMs: 7 * DAY,
  dlqMaxAgeMs: 30 * DAY,
  duplicateWindowMs: 15 * MINUTE,
};

/** Largest message a stream accepts: a raw webhook body (ingress limits it) plus its base64 envelope. */
const MAX_MSG_BYTES = 8 * 1024 * 1024;

function stream(
  name: string,
  description: string,
  subjects: string[],
  maxAgeMs: number,
  s: StreamSettings,
): StreamDefinition {
  return {
    name,
    description,
    subjects,
    retention: "limits",
    storage: "file",
    discard: "old",
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(Math.min(s.duplicateWindowMs, maxAgeMs)),
    num_replicas: s.replicas,
    max_msg_size: MAX_MSG_BYTES,
    allow_direct: true,
  };
}

export function webhooksStream(t: Topology, s: StreamSettings = DEFAULT_STREAM_SETTINGS): StreamDefinition {
  return stream(
    t.streams.webhooks,
    "Verified raw Meta webhook bodies, exactly as received",
    [t.subjects.webhooksAll],
    s.webhooksMaxAgeMs,
    s,
  );
}

export function eventsStream(t: Topology, s: StreamSettings = DEFAULT_STREAM_SETTINGS): StreamDefinition {
  return stream(t.streams.events, "Typed domain events", [t.subjects.eventsAll], s.eventsMaxAgeMs, s);
}

export function dlqStream(t: Topology, s: StreamSettings = DEFAULT_STREAM_SETTINGS): StreamDefinition {
  return stream(t.streams.dlq, "Dead letters with the reason they failed", [t.subjects.dlqAll], s.dlqMaxAgeMs, s);
}

export function allStreams(t: Topology, s: StreamSettings = DEFAULT_STREAM_SETTINGS): StreamDefinition[] {
  return [webhooksStream(t, s), eventsStream(t, s), dlqStream(t, s)];
}
