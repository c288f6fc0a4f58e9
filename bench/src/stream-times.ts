import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

/**
 * When each message was stored in a stream (the server's timestamp), keyed by `key(payload)`: read with an
 * ordered consumer, which is far faster than one direct get per message.
 */
export async function streamTimes(
  nc: NatsConnection,
  stream: string,
  key: (payload: unknown) => string | undefined,
): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  const consumer = await jetstream(nc).consumers.get(stream);
  const { num_pending: total } = await consumer.info();
  if (total === 0) return times;
  const messages = await consumer.consume();
  let seen = 0;
  for await (const m of messages) {
    const k = key(m.json());
    if (k !== undefined) times.set(k, m.info.timestampNanos / 1e6);
    if (++seen >= total) break;
  }
  await messages.close();
  return times;
}
