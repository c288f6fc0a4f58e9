import type { RawWebhook, Topology, WebhookEvent } from "@igdm/contracts";
import { type BatchFailures, type Delivery, PermanentError, publishEvents } from "@igdm/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import { normalizeWebhook } from "./mapping/normalize-webhook.js";
import { eventsNormalized } from "./metrics.js";

/**
 * Maps each raw webhook of the batch to its events and publishes them all concurrently, each with its
 * deterministic id as Nats-Msg-Id. The raw messages are acked only after every event publish was acked; a
 * body that is not a Meta envelope is dead-lettered alone with the reason.
 */
export async function normalizeBatch(
  js: JetStreamClient,
  topology: Topology,
  publishTimeoutMs: number,
  batch: Delivery<RawWebhook>[],
): Promise<BatchFailures<RawWebhook>> {
  const failures: BatchFailures<RawWebhook> = [];
  const events: WebhookEvent[] = [];
  for (const delivery of batch) {
    const raw = delivery.data;
    const result = normalizeWebhook({
      body: Buffer.from(raw.body, "base64"),
      webhookId: raw.id,
      streamSeq: delivery.streamSeq,
      receivedAt: raw.receivedAt,
    });
    if (!result.ok) {
      failures.push({
        delivery,
        error: new PermanentError(`webhook ${raw.id} cannot be normalized: ${result.reason}`),
      });
      continue;
    }
    events.push(...result.events);
  }
  // normalizeWebhook validated every event against its contract already.
  await publishEvents(js, topology, events, { timeoutMs: publishTimeoutMs, validated: true });
  for (const e of events) eventsNormalized.inc({ kind: e.kind });
  return failures;
}
