import { DeadLetter } from "@igdm/contracts";
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { publishTyped } from "./publish.js";

/**
 * Publishes the failed message with its reason to the DLQ stream, then terminates it so JetStream stops
 * redelivering. The id is the source position, so dead-lettering the same delivery twice stores it once.
 * If the DLQ publish itself fails the caller must nak: the message is never dropped.
 */
export async function deadLetter(
  js: JetStreamClient,
  dlqSubject: string,
  service: string,
  msg: JsMsg,
  reason: string,
): Promise<void> {
  const info = msg.info;
  await publishTyped(
    js,
    dlqSubject,
    DeadLetter,
    {
      v: 1,
      service,
      stream: info.stream,
      consumer: info.consumer,
      subject: msg.subject,
      streamSeq: info.streamSequence,
      deliveryCount: info.deliveryCount,
      reason: reason.slice(0, 2000),
      failedAt: new Date().toISOString(),
      payload: Buffer.from(msg.data).toString("base64"),
    },
    { msgID: `dlq:${info.stream}:${info.streamSequence}` },
  );
  // No reason argument: on servers before 2.11 term(reason) is silently ignored.
  msg.term();
}
