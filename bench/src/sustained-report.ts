import type { LagSample } from "./consumer-lag-series.js";
import type { CpuWindow } from "./cpu-window.js";
import { formatLatency, type LatencySummary } from "./latency-summary.js";

export interface SustainedResult {
  offeredRate: number;
  webhooks: number;
  achievedRate: number;
  sendSeconds: number;
  /** From the last POST until every reply was sent and every durable drained. */
  drainSeconds: number;
  /** False when the drain timed out (the figures then cover what arrived). */
  drained: boolean;
  /** HTTP status of each measured POST (0: no answer). */
  statuses: Record<string, number>;
  notOk: number;
  rows: number;
  replies: number;
  repliesDuplicated: number;
  /** Send API calls the sandbox refused (a tag, a bad body): never expected. */
  repliesRefused: number;
  /** POST start to messages.created_at (the default now(): the start of the transaction that wrote the row). */
  toRowMs: LatencySummary;
  /** POST start to the sandbox recording the Send API call (same process, same clock). */
  toReplyMs: LatencySummary;
  /** ingress, normalizer, persister: the row path; responder: event stored to the Send API call. */
  hopsMs: Record<string, LatencySummary>;
  /** Each durable's num_pending + num_ack_pending, once a second from the first measured POST until drained. */
  lag: { maxByDurable: Record<string, number>; series: LagSample[] };
  /** Messages per handler call under load, by durable (from the services' own metrics). */
  avgBatch: Record<string, number>;
  /** Cores used by each service (and the bench, NATS, PostgreSQL, the machine): idle over 5 s, under load from
   * the first measured POST until drained. */
  cpu: { idle: CpuWindow; load: CpuWindow };
  /** RSS at idle, and the highest sampled under load. */
  rssMb: { idle: Record<string, number>; load: Record<string, number> };
}

/** Markdown rows `| benchmark | result | goal |` for the README table. */
export function sustainedTableRows(r: SustainedResult): string[] {
  const per = (values: Record<string, number>) =>
    Object.entries(values)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  const memory = Object.keys(r.rssMb.load)
    .map((s) => `${s} ${r.rssMb.idle[s]} / ${r.rssMb.load[s]} MB`)
    .join(", ");
  const load = r.cpu.load;
  return [
    `| webhook -> row, ${r.achievedRate} webhooks/s for ${r.sendSeconds} s, all five services | ${formatLatency(r.toRowMs)}; ${r.notOk} not 200, ${r.rows}/${r.webhooks} rows | p99 < 100 ms |`,
    `| webhook -> automatic reply at the Send API, same run | ${formatLatency(r.toReplyMs)}; ${r.replies}/${r.webhooks} replied, ${r.repliesDuplicated} duplicated | p99 < 250 ms |`,
    `| where the time goes (p50 / p99) | ${Object.entries(r.hopsMs)
      .map(([k, v]) => `${k} ${v.p50} / ${v.p99} ms`)
      .join(", ")} | |`,
    `| consumer backlog, max per durable | ${per(r.lag.maxByDurable)}; drained ${r.drainSeconds} s after the last POST | |`,
    `| messages per batch under load | ${per(r.avgBatch)} | |`,
    `| CPU cores under load | ${per(load.processes)}; bench process (load + sandbox) ${load.bench}, NATS server ${load.natsServer}, PostgreSQL ${load.postgres}; machine ${load.machineBusy} of ${load.machineCores} busy (${load.otherProcesses} by other work) | |`,
    `| memory (RSS) idle / under load | ${memory} | < 150 MB per worker |`,
  ];
}
