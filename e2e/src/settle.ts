import { consumers, topology } from "@igdm/contracts";
import { connectTestNats, waitFor } from "@igdm/testkit";
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";

/**
 * A durable's info, or undefined when it does not exist (its service is not part of this pipeline). Any other failure
 * (a timeout, a stream or consumer without a leader mid-election on a cluster) says nothing about settling: it is
 * null, and the caller asks again.
 */
async function infoIfExists(jsm: Awaited<ReturnType<typeof jetstreamManager>>, stream: string, durable: string) {
  try {
    return await jsm.consumers.info(stream, durable);
  } catch (err) {
    if (
      err instanceof JetStreamApiError &&
      (err.code === JetStreamApiCodes.ConsumerNotFound || err.code === JetStreamApiCodes.StreamNotFound)
    ) {
      return undefined;
    }
    return null;
  }
}

/** Waits until every durable of the namespace has nothing pending and nothing unacknowledged. */
export async function waitUntilSettled(namespace: string, timeoutMs = 60_000, natsUrl?: string): Promise<void> {
  const nc = await connectTestNats(natsUrl);
  try {
    const jsm = await jetstreamManager(nc);
    const defs = Object.values(consumers(topology(namespace)));
    await waitFor(
      async () => {
        for (const d of defs) {
          const info = await infoIfExists(jsm, d.stream, d.config.durable_name);
          if (info === null) return false;
          if (info && (info.num_pending > 0 || info.num_ack_pending > 0)) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 100, what: "every consumer settled" },
    );
  } finally {
    await nc.close();
  }
}
