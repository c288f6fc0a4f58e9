import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import type { z } from "zod";

export interface PublishOptions {
  /** Nats-Msg-Id: deterministic, so a retry of the same publish is dropped by JetStream's de-duplication. */
  msgID: string;
  timeoutMs?: number;
  headers?: MsgHdrs;
}

const encoder = new TextEncoder();

/**
 * Validates the payload against its contract before it leaves (a bug here must not poison the stream),
 * then publishes and resolves only on JetStream's acknowledgement.
 */
export async function publishTyped<S extends z.ZodType>(
  js: JetStreamClient,
  subject: string,
  schema: S,
  payload: z.input<S>,
  opts: PublishOptions,
): Promise<PubAck> {
  return publishValidated(js, subject, schema.parse(payload), opts);
}

/** For payloads the caller has just produced with `schema.parse` itself: skips validating them twice. */
export function publishValidated(
  js: JetStreamClient,
  subject: string,
  payload: unknown,
  opts: PublishOptions,
): Promise<PubAck> {
  return js.publish(subject, encoder.encode(JSON.stringify(payload)), {
    msgID: opts.msgID,
    timeout: opts.timeoutMs ?? 5000,
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
}
