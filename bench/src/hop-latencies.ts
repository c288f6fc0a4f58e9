import { topology } from "@igdm/contracts";
import { connectTestNats } from "@igdm/testkit";
import { type LatencySummary, latencySummary } from "./latency-summary.js";
import { streamTimes } from "./stream-times.js";

export interface HopInput {
  /** When each webhook's POST started, by the mid of its message. */
  sentAt: Map<string, number>;
  /** When each message's row was stored (messages.created_at), by mid. */
  rowAt: Map<string, number>;
  /** When the Send API got each automatic reply, by the mid it answers (optional). */
  replyAt?: Map<string, number>;
}

/**
 * Splits the end-to-end latency by hop, from the streams' own storage timestamps: POST to raw body stored
 * (ingress), raw to event stored (normalizer), event to row (persister), event to the Send API call (responder).
 */
export async function hopLatencies(namespace: string, input: HopInput) {
  const t = topology(namespace);
  const nc = await connectTestNats();
  try {
    const midOfBody = (p: unknown) => {
      const body = Buffer.from((p as { body: string }).body, "base64").toString();
      return /"mid":"([^"]+)"/.exec(body)?.[1];
    };
    const rawAt = await streamTimes(nc, t.streams.webhooks, midOfBody);
    const eventAt = await streamTimes(nc, t.streams.events, (p) => {
      const e = p as { kind?: string; mid?: string };
      return e.kind === "message" ? e.mid : undefined;
    });
    const hop = (mids: Iterable<string>, from: Map<string, number>, to: Map<string, number>) =>
      latencySummary([...mids].flatMap((m) => (from.has(m) && to.has(m) ? [to.get(m)! - from.get(m)!] : [])));
    const hops: Record<string, LatencySummary> = {
      ingress: hop(input.rowAt.keys(), input.sentAt, rawAt),
      normalizer: hop(input.rowAt.keys(), rawAt, eventAt),
      persister: hop(input.rowAt.keys(), eventAt, input.rowAt),
    };
    if (input.replyAt) hops.responder = hop(input.replyAt.keys(), eventAt, input.replyAt);
    return hops;
  } finally {
    await nc.close();
  }
}
