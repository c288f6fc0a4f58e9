import { DomainEvent, type Topology } from "@igdm/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { TransientError } from "../errors.js";
import { publishValidated } from "./publish.js";

/**
 * Publishes domain events concurrently on `igdm.events.<kind>`, each with its deterministic id as Nats-Msg-Id, and
 * resolves once JetStream acknowledged all of them. `validated` skips re-parsing events the caller just built
 * with DomainEvent.parse. Any failure is transient: publishing again is safe, the ids de-duplicate.
 */
export async function publishEvents(
  js: JetStreamClient,
  topology: Topology,
  events: readonly DomainEvent[],
  opts: { timeoutMs: number; validated?: boolean },
): Promise<void> {
  const outcomes = await Promise.allSettled(
    events.map((e) => {
      const event = opts.validated ? e : DomainEvent.parse(e);
      return publishValidated(js, topology.subjects.event(event.kind), event, {
        msgID: event.id,
        timeoutMs: opts.timeoutMs,
      });
    }),
  );
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (rejected) throw new TransientError("publishing events failed; safe to retry", { cause: rejected.reason });
}
