import { DeadLetter } from "@igdm/contracts";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { z } from "zod";
import { deadLetters } from "../observability/consumer-metrics.js";
import { publishTyped } from "./publish.js";

const MaxDeliveriesAdvisory = z.object({
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int(),
  deliveries: z.number().int(),
});

/**
 * The worker dead-letters a message itself on its last delivery, but a message that crashes or hangs its worker
 * every time is never settled: JetStream stops redelivering it after max_deliver and only says so in an advisory.
 * This turns that advisory into a dead letter (looked up by its stream sequence), so it is not lost silently.
 * One replica per queue group handles each advisory; the DLQ message id de-duplicates the rest.
 */
export async function watchMaxDeliveries(opts: {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  service: string;
  stream: string;
  durable: string;
  dlqSubject: string;
  log: Logger;
}): Promise<Subscription> {
  const { nc, js, jsm, log } = opts;
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${opts.stream}.${opts.durable}`;
  const sub = nc.subscribe(subject, { queue: `${opts.service}.max-deliveries.${opts.durable}` });
  void (async () => {
    for await (const m of sub) {
      try {
        const advisory = MaxDeliveriesAdvisory.parse(m.json());
        const stored = await jsm.streams.getMessage(opts.stream, { seq: advisory.stream_seq });
        if (!stored) continue; // already gone (retention): nothing left to keep
        await publishTyped(
          js,
          opts.dlqSubject,
          DeadLetter,
          {
            v: 1,
            service: opts.service,
            stream: opts.stream,
            consumer: opts.durable,
            subject: stored.subject,
            streamSeq: advisory.stream_seq,
            deliveryCount: advisory.deliveries,
            reason: `not settled after ${advisory.deliveries} deliveries: the worker crashed or timed out each time`,
            failedAt: new Date().toISOString(),
            payload: Buffer.from(stored.data).toString("base64"),
          },
          { msgID: `dlq:${opts.stream}:${advisory.stream_seq}` },
        );
        deadLetters.inc({ durable: opts.durable });
        log.error({ stream: opts.stream, seq: advisory.stream_seq }, "dead-lettered after max deliveries");
      } catch (err) {
        log.error({ err, subject }, "could not dead-letter a message that exceeded its deliveries");
      }
    }
  })();
  await nc.flush();
  return sub;
}
