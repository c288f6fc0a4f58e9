import { topology } from "@igdm/contracts";
import { connectTestNats, instagramTextWebhook, metaWebhookHeaders, waitFor } from "@igdm/testkit";
import { benchEnvironment } from "./bench-env.js";
import { atRate, httpPoster } from "./http-load.js";
import { cpuSeconds, rssMb } from "./process-cpu.js";
import { percentile, round } from "./stats.js";
import { streamTimes } from "./stream-times.js";

const SECRET = "bench-app-secret-0123456789";

/**
 * End to end at a fixed rate: signed webhooks (one text message each) POSTed to ingress, first a warm-up, then
 * `seconds` measured; the time from each POST to its row in `messages` (the row's created_at), how many were not
 * answered 200, and the CPU seconds and memory each service used while measured.
 */
export async function webhookToRow(ratePerSecond: number, seconds: number, warmupSeconds = 3) {
  const bench = await benchEnvironment("latency");
  const port = 30000 + Math.floor(Math.random() * 20000);
  const http = httpPoster(port);
  try {
    const extra = { APP_SECRET: SECRET, VERIFY_TOKEN: "bench-verify-token", PORT: String(port), HOST: "127.0.0.1" };
    const services = await Promise.all([
      bench.spawn("ingress", extra, /^Server listening/),
      bench.spawn("normalizer"),
      bench.spawn("persister"),
    ]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.ok, {
      what: "ingress ready",
    });

    const sentAt = new Map<string, number>();
    let ok = 0;
    const run = (phase: string, total: number) =>
      atRate(total, ratePerSecond, async (i) => {
        const mid = `bench.${phase}.${i}`;
        const body = instagramTextWebhook(mid);
        sentAt.set(mid, Date.now());
        if ((await http.post("/webhook", body, metaWebhookHeaders(body, SECRET))) === 200) ok++;
      });

    await run("warmup", ratePerSecond * warmupSeconds);
    ok = 0;
    const cpuBefore = services.map((s) => cpuSeconds(s.child.pid));
    const total = ratePerSecond * seconds;
    const sendSeconds = await run("measured", total);
    await waitFor(
      async () => {
        const [row] = await bench.db.sql<{ n: number }[]>`
          select count(*)::int as n from messages where message_id like 'bench.measured.%'`;
        return (row?.n ?? 0) >= ok;
      },
      { timeoutMs: 120_000, intervalMs: 50, what: "every accepted webhook stored" },
    );
    const drainedSeconds = sendSeconds;
    const cpu = Object.fromEntries(
      services.map((s, i) => [s.name, round((cpuSeconds(s.child.pid) - cpuBefore[i]!) / drainedSeconds, 2)]),
    );
    const rss = Object.fromEntries(services.map((s) => [s.name, rssMb(s.child.pid)]));
    const rows = await bench.db.sql<{ message_id: string; created_at: Date }[]>`
      select message_id, created_at from messages where message_id like 'bench.measured.%'`;
    const latencies = rows.map((r) => r.created_at.getTime() - sentAt.get(r.message_id)!);
    const hops = await hopLatencies(bench.namespace, sentAt, rows);
    return {
      webhooks: total,
      achievedRate: Math.round(total / sendSeconds),
      ok,
      notOk: total - ok,
      rows: rows.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      seconds: round(sendSeconds, 1),
      /** p50/p99 of each hop: POST to raw stored, raw to event stored, event to row. */
      hops,
      /** CPU cores each service used on average while measured (1.0 = one core). */
      cpuCores: cpu,
      rssMb: rss,
    };
  } finally {
    http.close();
    await bench.cleanup();
  }
}

/** Splits the end-to-end latency by hop, from the streams' own storage timestamps. */
async function hopLatencies(
  namespace: string,
  sentAt: Map<string, number>,
  rows: { message_id: string; created_at: Date }[],
) {
  const t = topology(namespace);
  const nc = await connectTestNats();
  try {
    const midOfBody = (p: unknown) => {
      const body = Buffer.from((p as { body: string }).body, "base64").toString();
      return /"mid":"([^"]+)"/.exec(body)?.[1];
    };
    const rawAt = await streamTimes(nc, t.streams.webhooks, midOfBody);
    const eventAt = await streamTimes(nc, t.streams.events, (p) => (p as { mid?: string }).mid);
    const hop = (values: number[]) => ({ p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) });
    const measured = rows.map((r) => r.message_id);
    return {
      ingress: hop(measured.map((m) => rawAt.get(m)! - sentAt.get(m)!)),
      normalizer: hop(measured.map((m) => eventAt.get(m)! - rawAt.get(m)!)),
      persister: hop(rows.map((r) => r.created_at.getTime() - eventAt.get(r.message_id)!)),
    };
  } finally {
    await nc.close();
  }
}
