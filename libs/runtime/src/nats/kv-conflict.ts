import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";

/**
 * The answer JetStream gives a write whose expected revision is no longer the key's (a KV create of a key that
 * exists included): someone else wrote first. Anything else (a timeout, NATS unreachable) is not a conflict.
 */
export function isRevisionConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
