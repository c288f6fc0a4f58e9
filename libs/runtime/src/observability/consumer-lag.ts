import type { JetStreamManager } from "@nats-io/jetstream";
import { withDeadline } from "./deadline.js";
import { gauge } from "./registry.js";

interface LagSource {
  jsm: JetStreamManager;
  stream: string;
  durable: string;
}

interface LagSample {
  stream: string;
  durable: string;
  pending: number;
  ackPending: number;
}

const LAG_TIMEOUT_MS = 1000;
const sources = new Map<string, LagSource>();
let inFlight: Promise<LagSample[]> | undefined;

/**
 * One consumer info call per durable per scrape: both gauges are collected concurrently and share the call in
 * flight. A durable that does not answer is left out.
 */
function samples(): Promise<LagSample[]> {
  if (inFlight) return inFlight;
  const taken = Promise.all(
    [...sources.values()].map(async ({ jsm, stream, durable }) => {
      try {
        const info = await withDeadline(jsm.consumers.info(stream, durable), LAG_TIMEOUT_MS, "consumer info");
        return [{ stream, durable, pending: info.num_pending, ackPending: info.num_ack_pending }];
      } catch {
        return [];
      }
    }),
  )
    .then((all) => all.flat())
    .finally(() => {
      inFlight = undefined;
    });
  inFlight = taken;
  return taken;
}

/**
 * Consumer lag, read from JetStream at scrape time: `igdm_consumer_pending_messages` are stored but not yet
 * delivered to the durable, `igdm_consumer_ack_pending_messages` delivered and not yet acked. Their sum is the
 * backlog. A durable whose info does not come back within a second (NATS down) has no series in that scrape.
 */
export const consumerPending = gauge(
  "igdm_consumer_pending_messages",
  "Messages in the stream not yet delivered to the durable (num_pending), read at scrape time",
  ["stream", "durable"],
  async function () {
    this.reset();
    for (const s of await samples()) this.set({ stream: s.stream, durable: s.durable }, s.pending);
  },
);

export const consumerAckPending = gauge(
  "igdm_consumer_ack_pending_messages",
  "Messages delivered to the durable and not yet acknowledged (num_ack_pending), read at scrape time",
  ["stream", "durable"],
  async function () {
    this.reset();
    for (const s of await samples()) this.set({ stream: s.stream, durable: s.durable }, s.ackPending);
  },
);

/** Reports a durable's lag on /metrics until the returned function is called. */
export function trackConsumerLag(source: LagSource): () => void {
  const key = `${source.stream}\u0000${source.durable}`;
  sources.set(key, source);
  return () => {
    if (sources.get(key) === source) sources.delete(key);
  };
}
