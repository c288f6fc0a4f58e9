import type { JsMsg } from "@nats-io/jetstream";
import { counter, histogram } from "./registry.js";

/** How each message a durable received ended: ack (handled), retry (nak with delay), dead_letter. */
export type MessageOutcome = "ack" | "retry" | "dead_letter";

export const messagesProcessed = counter(
  "igdm_messages_processed_total",
  "Messages settled by a durable consumer, by outcome (ack, retry, dead_letter)",
  ["durable", "outcome"],
);

export const deadLetters = counter(
  "igdm_dead_letters_total",
  "Messages dead-lettered, by the consumer loop or after max deliveries (from JetStream's advisory)",
  ["durable"],
);

export const batchDuration = histogram(
  "igdm_batch_duration_seconds",
  "Time to handle and settle one batch of a durable consumer",
  ["durable"],
);

export const messageLatency = histogram(
  "igdm_message_latency_seconds",
  "Time from a message's arrival in its stream to its ack by a durable consumer (this stage's latency)",
  ["durable"],
);

/** Seconds since JetStream stored the message; 0 when the clocks disagree. */
export function secondsSinceStored(msg: JsMsg, nowMs = Date.now()): number {
  return Math.max(0, nowMs - msg.info.timestampNanos / 1e6) / 1000;
}
