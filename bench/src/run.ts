// npm run bench: the benchmarks of this repo, on this machine, against the real NATS and PostgreSQL.
// BENCH_EVENTS, BENCH_RATE and BENCH_SECONDS scale them; results print as a table and go to bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { persisterThroughput } from "./persister-throughput.js";
import { webhookToRow } from "./webhook-to-row.js";

const events = Number(process.env.BENCH_EVENTS ?? 50_000);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
console.log(`machine: ${machine}`);

const throughput = await persisterThroughput(events);
console.log("persister throughput", throughput);
const latency = await webhookToRow(rate, seconds);
console.log("webhook to row", latency);

const table = [
  "| benchmark | result | goal |",
  "| --- | --- | --- |",
  `| persister throughput (${throughput.timedEvents} message events, batches of 500) | ${throughput.eventsPerSecond} events/s | >= 10,000 events/s |`,
  `| webhook -> row at ${latency.achievedRate} webhooks/s for ${latency.seconds} s | p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms; ${latency.notOk} not 200, ${latency.rows}/${latency.ok} rows | p99 < 100 ms at 1,000/s |`,
  `| where the time goes (p50 / p99) | ${Object.entries(latency.hops)
    .map(([k, v]) => `${k} ${v.p50} / ${v.p99} ms`)
    .join(", ")} | |`,
  `| CPU cores used at that rate | ${Object.entries(latency.cpuCores)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")} | |`,
  `| memory (RSS) at that rate | ${Object.entries(latency.rssMb)
    .map(([k, v]) => `${k} ${v} MB`)
    .join(", ")} | < 150 MB per worker |`,
].join("\n");
console.log(`\n${table}`);
const dir = join(import.meta.dirname, "..", "results");
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, "latest.json"),
  `${JSON.stringify({ at: new Date().toISOString(), machine, throughput, latency }, null, 2)}\n`,
);
