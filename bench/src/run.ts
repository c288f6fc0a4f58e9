// npm run bench: the benchmarks of this repo, on this machine, against the real NATS and PostgreSQL.
// BENCH_EVENTS, BENCH_RATE, BENCH_SECONDS and BENCH_REPLY_RATE scale them; BENCH_ONLY=throughput,latency,replies
// picks some. Results print as a table and go to bench/results/latest.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { persisterThroughput } from "./persister-throughput.js";
import { repliesEndToEnd } from "./replies.js";
import { webhookToRow } from "./webhook-to-row.js";

const events = Number(process.env.BENCH_EVENTS ?? 50_000);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const replyRate = Number(process.env.BENCH_REPLY_RATE ?? 200);
const only = new Set((process.env.BENCH_ONLY ?? "throughput,latency,replies").split(","));

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
console.log(`machine: ${machine}`);
const rows = ["| benchmark | result | goal |", "| --- | --- | --- |"];
const results: Record<string, unknown> = {};

if (only.has("throughput")) {
  const t = await persisterThroughput(events);
  results.throughput = t;
  console.log("persister throughput", t);
  rows.push(
    `| persister throughput (${t.timedEvents} message events, batches of 500) | ${t.eventsPerSecond} events/s | >= 10,000 events/s |`,
  );
}
if (only.has("latency")) {
  const l = await webhookToRow(rate, seconds);
  results.latency = l;
  console.log("webhook to row", l);
  rows.push(
    `| webhook -> row at ${l.achievedRate} webhooks/s for ${l.seconds} s | p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms; ${l.notOk} not 200, ${l.rows}/${l.ok} rows | p99 < 100 ms at 1,000/s |`,
    `| where the time goes (p50 / p99) | ${Object.entries(l.hops)
      .map(([k, v]) => `${k} ${v.p50} / ${v.p99} ms`)
      .join(", ")} | |`,
    `| CPU cores used at that rate | ${Object.entries(l.cpuCores)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")} | |`,
    `| memory (RSS) at that rate | ${Object.entries(l.rssMb)
      .map(([k, v]) => `${k} ${v} MB`)
      .join(", ")} | < 150 MB per worker |`,
  );
}
if (only.has("replies")) {
  const r = await repliesEndToEnd(replyRate * seconds, replyRate);
  results.replies = r;
  console.log("replies", r);
  rows.push(
    `| webhook -> automatic reply at the Send API, ${r.messages} people at ${r.offeredRate}/s | ${r.repliesPerSecond} replies/s; p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; ${r.replies}/${r.messages} replied | p99 < 250 ms |`,
  );
}

console.log(`\n${rows.join("\n")}`);
const dir = join(import.meta.dirname, "..", "results");
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, "latest.json"),
  `${JSON.stringify({ at: new Date().toISOString(), machine, ...results }, null, 2)}\n`,
);
