import { MINUTE, nanos, SECOND } from "./duration.js";
import type { Topology } from "./topology.js";

/**
 * A durable pull consumer in the JetStream API's JSON shape. The same object is written to
 * nats/consumers/<stream>.<durable>.json for `nats consumer add <stream> --config <file>`, so an operator's replay
 * recreates exactly what the services create.
 */
export interface ConsumerDefinition {
  stream: string;
  config: {
    durable_name: string;
    description: string;
    filter_subject: string;
    ack_policy: "explicit";
    deliver_policy: "all";
    replay_policy: "instant";
    /** How long a delivery may stay unacknowledged before JetStream redelivers it (a crashed worker). */
    ack_wait: number;
    /** Deliveries before the worker dead-letters the message itself on the last one. */
    max_deliver: number;
    /** Bounds the unacked messages in flight across all replicas: memory and redelivery storms stay bounded. */
    max_ack_pending: number;
    max_waiting: number;
  };
}

function durable(
  stream: string,
  name: string,
  description: string,
  filterSubject: string,
  overrides: Partial<ConsumerDefinition["config"]> = {},
): ConsumerDefinition {
  return {
    stream,
    config: {
      durable_name: name,
      description,
      filter_subject: filterSubject,
      ack_policy: "explicit",
      deliver_policy: "all",
      replay_policy: "instant",
      ack_wait: nanos(30 * SECOND),
      max_deliver: 30,
      max_ack_pending: 5000,
      max_waiting: 512,
      ...overrides,
    },
  };
}

/** About 16 hours of retries at the one-minute backoff cap. */
const PERSISTER_MAX_DELIVER = 1000;

/** Every durable consumer of the system, by owner. */
export function consumers(t: Topology) {
  return {
    normalizer: durable(
      t.streams.webhooks,
      "normalizer",
      "normalizer: raw webhook bodies to typed events",
      t.subjects.rawWebhook,
    ),
    // The database may be down for hours: keep retrying (backoff caps at a minute) rather than dead-letter.
    persisterWebhookLog: durable(
      t.streams.webhooks,
      "persister-webhook-log",
      "persister: raw webhook log (webhook_logs)",
      t.subjects.rawWebhook,
      { ack_wait: nanos(1 * MINUTE), max_deliver: PERSISTER_MAX_DELIVER },
    ),
    persisterEvents: durable(
      t.streams.events,
      "persister-events",
      "persister: domain events into the normalized tables",
      t.subjects.eventsAll,
      { ack_wait: nanos(1 * MINUTE), max_deliver: PERSISTER_MAX_DELIVER },
    ),
    // Deletion and deauthorize callbacks: Meta expects them honoured, so retry as long as the raw log does.
    persisterUserCallbacks: durable(
      t.streams.webhooks,
      "persister-user-callbacks",
      "persister: deauthorize and data-deletion callbacks",
      t.subjects.userCallbacksAll,
      { ack_wait: nanos(1 * MINUTE), max_deliver: PERSISTER_MAX_DELIVER },
    ),
    // Dead letters into a table for the debug view (and later re-delivery); never dead-letters itself.
    persisterDeadLetters: durable(
      t.streams.dlq,
      "persister-dead-letters",
      "persister: dead letters (dead_letters)",
      t.subjects.dlqAll,
      { ack_wait: nanos(1 * MINUTE), max_deliver: PERSISTER_MAX_DELIVER },
    ),
    // Sends are retried by the responder itself (rate limits, 5xx); a message that still fails is dead-lettered.
    responderMessages: durable(
      t.streams.events,
      "responder-messages",
      "responder: automatic replies to inbound messages",
      t.subjects.event("message"),
    ),
    responderSends: durable(
      t.streams.events,
      "responder-sends",
      "responder: manual send commands",
      t.subjects.event("send_requested"),
    ),
  } satisfies Record<string, ConsumerDefinition>;
}

export function allConsumers(t: Topology): ConsumerDefinition[] {
  return Object.values(consumers(t));
}
