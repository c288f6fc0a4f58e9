import type { RawWebhook, Topology } from "@igdm/contracts";
import { type BatchFailures, type Delivery, PermanentError, publishValidated, TransientError } from "@igdm/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import { normalizeWebhook } from "./mapping/normalize-webhook.js";

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
  const publishes: Promise<unknown>[] = [];
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
    // normalizeWebhook validated every event against DomainEvent already.
    for (const event of result.events) {
      publishes.push(
        publishValidated(js, topology.subjects.event(event.kind), event, {
          msgID: event.id,
          timeoutMs: publishTimeoutMs,
        }),
      );
    }
  }
  const outcomes = await Promise.allSettled(publishes);
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (rejected)
    throw new TransientError("publishing events failed; the batch will be retried", { cause: rejected.reason });
  return failures;
}
