import { allStreams, DomainEvent, topology } from "@igdm/contracts";
import { connectTestNats, waitFor } from "@igdm/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { benchEnvironment } from "./bench-env.js";
import { round } from "./stats.js";

function messageEvent(i: number, webhookId: string) {
  const at = new Date(Date.UTC(2026, 10, 1) + i).toISOString();
  return DomainEvent.parse({
    v: 1,
    id: `message:bench.${i}`,
    kind: "message",
    object: "instagram",
    accountId: `178414000000${i % 50}`,
    occurredAt: at,
    receivedAt: at,
    source: { webhookId, streamSeq: i + 1, entryIndex: 0, channel: "messaging", itemIndex: 0 },
    senderId: `9000000${i % 1000}`,
    recipientId: `178414000000${i % 50}`,
    mid: `bench.${i}`,
    direction: "inbound",
    isEcho: false,
    text: `message number ${i}`,
    attachments: [],
    isUnsupported: false,
    isTest: false,
  });
}

/**
 * Persister throughput: N message events are queued on EVENTS first, then one persister drains them; events/s
 * from its first pull until the consumer has nothing pending, and every row checked.
 */
export async function persisterThroughput(events: number) {
  const bench = await benchEnvironment("persist");
  const nc = await connectTestNats();
  try {
    const t = topology(bench.namespace);
    const jsm = await jetstreamManager(nc);
    for (const s of allStreams(t)) await jsm.streams.add(s);
    const js = jetstream(nc);
    const webhookId = "0".repeat(64);
    for (let start = 0; start < events; start += 1000) {
      const publishes = [];
      for (let i = start; i < Math.min(events, start + 1000); i++) {
        const e = messageEvent(i, webhookId);
        publishes.push(js.publish(t.subjects.event("message"), JSON.stringify(e), { msgID: e.id }));
      }
      await Promise.all(publishes);
    }
    await bench.spawn("persister");
    // Timed from when the persister is up (process start-up excluded), over what was still left then.
    const started = performance.now();
    const atStart = await jsm.consumers.info(t.streams.events, "persister-events");
    const timed = atStart.num_pending + atStart.num_ack_pending;
    await waitFor(
      async () => {
        const info = await jsm.consumers.info(t.streams.events, "persister-events").catch(() => undefined);
        return info !== undefined && info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { timeoutMs: 300_000, intervalMs: 20, what: "persister drained" },
    );
    const seconds = (performance.now() - started) / 1000;
    const [row] = await bench.db.sql<{ n: number }[]>`select count(*)::int as n from messages`;
    const n = row?.n ?? 0;
    if (n !== events) throw new Error(`expected ${events} rows, found ${n}`);
    return { events, timedEvents: timed, seconds: round(seconds, 2), eventsPerSecond: Math.round(timed / seconds) };
  } finally {
    await nc.close();
    await bench.cleanup();
  }
}
