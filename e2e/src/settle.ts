import { consumers, topology } from "@igdm/contracts";
import { connectTestNats, waitFor } from "@igdm/testkit";
import { jetstreamManager } from "@nats-io/jetstream";

/** Waits until every durable of the namespace has nothing pending and nothing unacknowledged. */
export async function waitUntilSettled(namespace: string, timeoutMs = 60_000, natsUrl?: string): Promise<void> {
  const nc = await connectTestNats(natsUrl);
  try {
    const jsm = await jetstreamManager(nc);
    const defs = Object.values(consumers(topology(namespace)));
    await waitFor(
      async () => {
        for (const d of defs) {
          const info = await jsm.consumers.info(d.stream, d.config.durable_name).catch(() => undefined);
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
