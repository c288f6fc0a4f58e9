import { topology } from "@igdm/contracts";
import { connectTestNats, instagramTextWebhook, metaWebhookHeaders, waitFor } from "@igdm/testkit";
import { jetstreamManager } from "@nats-io/jetstream";
import { averageBatch, batchCounts } from "./batch-sizes.js";
import { backlogByDurable, drained, formatLagSeries, maxLag, startLagSeries } from "./consumer-lag-series.js";
import { startCpuWindow } from "./cpu-window.js";
import { type Service, STACK_APP_SECRET, startFullStack } from "./full-stack.js";
import { hopLatencies } from "./hop-latencies.js";
import { atRate } from "./http-load.js";
import { latencySummary } from "./latency-summary.js";
import { rssMb, watchPeakRss } from "./process-cpu.js";
import { round } from "./stats.js";
import { type SustainedResult, sustainedTableRows } from "./sustained-report.js";

export type { SustainedResult } from "./sustained-report.js";

export interface SustainedOptions {
  /** Webhooks per second (default BENCH_RATE, else 1000). */
  rate?: number;
  /** Measured seconds (default BENCH_SECONDS, else 60). */
  seconds?: number;
  /** Seconds at full rate before measuring, so every process is warm (JIT, pools, caches); default 5. */
  warmupSeconds?: number;
  /** Extra environment per service, e.g. `{ responder: { NODE_OPTIONS: "--import ./profiler.mjs" } }`. */
  serviceEnv?: Partial<Record<Service, Record<string, string>>>;
  /** Longest wait for everything to be stored and answered after the last POST (default 300 s). */
  drainTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every webhook comes from a person of its own: 8… in the warm-up, 9… measured. */
const person = (phase: "w" | "m", i: number) => `${phase === "w" ? 8 : 9}${String(i).padStart(15, "0")}`;
const midOf = (phase: "w" | "m", i: number) => `mid.bench.${phase}.${i}`;

/**
 * The whole system at a sustained rate, in one run: all five services (built bundles), the Meta sandbox connected
 * through the real OAuth flow, and `rate` signed webhooks per second for `seconds` after a warm-up, each a text DM
 * from a person of its own (so each is owed exactly one automatic reply). Measures, per webhook, the time from its
 * POST to its row (messages.created_at) and to its reply reaching the sandbox's Send API (which runs in this
 * process: one clock), the hop split, every durable's backlog once a second, and each service's CPU and memory
 * at idle and under load. Call `tableRows()` on the result for the README table.
 */
export async function sustainedLoad(
  opts: SustainedOptions = {},
): Promise<SustainedResult & { tableRows: () => string[] }> {
  const rate = opts.rate ?? Number(process.env.BENCH_RATE ?? 1000);
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 60);
  const warmupSeconds = opts.warmupSeconds ?? 5;
  // Every reply comes from the sandbox's one account: its send limit is lifted so the pipeline is measured.
  const stack = await startFullStack({ sendRatePerSecond: Math.max(100_000, rate * 10), serviceEnv: opts.serviceEnv });
  const nc = await connectTestNats();
  try {
    const { bench, sandbox, http, services } = stack;
    const pids = services.map((s) => ({ name: s.name, pid: s.child.pid }));
    const jsm = await jetstreamManager(nc);
    const t = topology(bench.namespace);
    const streams = [t.streams.webhooks, t.streams.events, t.streams.dlq];

    // Idle: start-up settled, the account connected, nothing flowing.
    await sleep(3000);
    const idleCpu = startCpuWindow(pids);
    await sleep(5000);
    const idle = { cpu: idleCpu.stop(), rssMb: Object.fromEntries(pids.map((p) => [p.name, rssMb(p.pid)])) };

    const sentAt = new Map<string, number>();
    const statuses: Record<string, number> = {};
    const post = (phase: "w" | "m", total: number) =>
      atRate(total, rate, async (i) => {
        const mid = midOf(phase, i);
        const body = instagramTextWebhook(mid, "hi", { from: person(phase, i) });
        sentAt.set(mid, Date.now());
        const status = await http.post("/webhook", body, metaWebhookHeaders(body, STACK_APP_SECRET));
        if (phase === "m") statuses[status] = (statuses[status] ?? 0) + 1;
      });
    const replies = replyCounter(sandbox.state.sentMessages);

    const warmup = rate * warmupSeconds;
    await post("w", warmup);
    await waitFor(async () => replies.count("8") >= warmup && drained(await backlogByDurable(jsm, streams)), {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: "warm-up answered and drained",
    });

    const batchesBefore = await batchCounts(services);
    const lag = startLagSeries(jsm, streams);
    const peakRss = watchPeakRss(pids);
    const loadCpu = startCpuWindow(pids);
    const total = rate * seconds;
    const sendSeconds = await post("m", total);
    const sendEnded = performance.now();
    const ok = statuses["200"] ?? 0;

    // Done when every accepted webhook was answered and, sampled after that, every durable has drained.
    let repliedAt = Number.POSITIVE_INFINITY;
    let fullyDrained = true;
    await waitFor(
      async () => {
        if (replies.count("9") >= ok && repliedAt === Number.POSITIVE_INFINITY) repliedAt = performance.now();
        return drained(lag.latestSince(repliedAt)?.lag);
      },
      { timeoutMs: opts.drainTimeoutMs ?? 300_000, intervalMs: 100, what: "every reply sent and durable drained" },
    ).catch((err: unknown) => {
      fullyDrained = false;
      console.error(`sustained: ${(err as Error).message}`);
    });
    const drainSeconds = (performance.now() - sendEnded) / 1000;
    const load = { cpu: loadCpu.stop(), rssMb: peakRss.stop() };
    const lagSamples = await lag.stop();
    const avgBatch = averageBatch(batchesBefore, await batchCounts(services));

    const rows = await bench.db.sql<{ message_id: string; created_at: Date }[]>`
      select message_id, created_at from messages where message_id like 'mid.bench.m.%'`;
    const rowAt = new Map(rows.map((r) => [r.message_id, r.created_at.getTime()]));
    const sent = sandbox.state.sentMessages.filter((m) => m.recipient.startsWith("9"));
    const accepted = sent.filter((m) => m.accepted);
    const replyAt = new Map<string, number>();
    for (const m of accepted) {
      const mid = midOf("m", Number(m.recipient.slice(1)));
      if (!replyAt.has(mid)) replyAt.set(mid, m.at.getTime());
    }
    const since = (at: Map<string, number>) => [...at].map(([mid, ms]) => ms - sentAt.get(mid)!);

    const result: SustainedResult = {
      offeredRate: rate,
      webhooks: total,
      achievedRate: Math.round(total / sendSeconds),
      sendSeconds: round(sendSeconds, 1),
      drainSeconds: round(drainSeconds, 1),
      drained: fullyDrained,
      statuses,
      notOk: total - ok,
      rows: rows.length,
      replies: replyAt.size,
      repliesDuplicated: accepted.length - replyAt.size,
      repliesRefused: sent.length - accepted.length,
      toRowMs: latencySummary(since(rowAt)),
      toReplyMs: latencySummary(since(replyAt)),
      hopsMs: await hopLatencies(bench.namespace, { sentAt, rowAt, replyAt }),
      lag: { maxByDurable: maxLag(lagSamples), series: lagSamples },
      avgBatch,
      cpu: { idle: idle.cpu, load: load.cpu },
      rssMb: { idle: idle.rssMb, load: load.rssMb },
    };
    console.log(
      `consumer backlog (num_pending + num_ack_pending) every 5 s:\n${formatLagSeries(lagSamples).join("\n")}`,
    );
    return { ...result, tableRows: () => sustainedTableRows(result) };
  } finally {
    await nc.close();
    await stack.close();
  }
}

/** Accepted sends by the first digit of the recipient (8: warm-up, 9: measured), reading only what is new. */
function replyCounter(sentMessages: readonly { accepted: boolean; recipient: string }[]) {
  const counts = new Map<string, number>();
  let read = 0;
  return {
    count: (digit: string) => {
      for (; read < sentMessages.length; read++) {
        const m = sentMessages[read]!;
        if (m.accepted) counts.set(m.recipient[0]!, (counts.get(m.recipient[0]!) ?? 0) + 1);
      }
      return counts.get(digit) ?? 0;
    },
  };
}
