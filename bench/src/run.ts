// npm run bench: the benchmarks of this repo, on this machine, against the real NATS and PostgreSQL, in one run.
// BENCH_ONLY=ingress,throughput,sustained,replicas picks some; BENCH_AUTOCANNON_SECONDS, BENCH_EVENTS, BENCH_RATE and
// BENCH_SECONDS scale them; BENCH_SERVICE_ENV='{"responder":{"RESPONDER_CONCURRENCY":"1"}}' gives the sustained run's
// services extra environment. The table prints at the end, and goes to bench/results/latest.{json,md} and, for a full
// run, into docs/benchmarks.md between its "bench:latest" markers.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { SERVICES } from "./full-stack.js";
import { ingressVsBare } from "./ingress-vs-bare.js";
import { persisterThroughput } from "./persister-throughput.js";
import { r1VsR3 } from "./replicas.js";
import { type SustainedOptions, sustainedLoad } from "./sustained.js";

const ALL = ["ingress", "throughput", "sustained", "replicas"];
const only = new Set((process.env.BENCH_ONLY ?? ALL.join(",")).split(","));
const events = Number(process.env.BENCH_EVENTS ?? 50_000);
const serviceEnv = serviceEnvFromEnvironment();

const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
const loadBefore = loadavg()
  .map((n) => n.toFixed(2))
  .join(" ");
console.log(`machine: ${machine}; load average before: ${loadBefore}`);
const rows = ["| benchmark | result | goal |", "| --- | --- | --- |"];
const results: Record<string, unknown> = {};

if (only.has("ingress")) {
  const r = await ingressVsBare();
  results.ingressVsBare = r;
  console.log("ingress vs bare route", JSON.stringify(r, null, 2));
  rows.push(...r.tableRows());
}
if (only.has("throughput")) {
  const t = await persisterThroughput(events);
  results.throughput = t;
  console.log("persister throughput", t);
  rows.push(
    `| persister throughput (${t.timedEvents} message events, batches of 500) | ${t.eventsPerSecond} events/s | >= 10,000 events/s |`,
  );
}
if (only.has("sustained")) {
  const s = await sustainedLoad({ serviceEnv });
  results.sustained = s;
  console.log("sustained load", JSON.stringify({ ...s, lag: { maxByDurable: s.lag.maxByDurable } }, null, 2));
  rows.push(...s.tableRows());
}
if (only.has("replicas")) {
  const r = await r1VsR3();
  results.replicas = r;
  console.log("ingress on R1 vs R3", JSON.stringify(r, null, 2));
  rows.push(...r.tableRows());
}

const table = rows.join("\n");
console.log(`\n${table}`);
const at = new Date().toISOString();
const dir = join(import.meta.dirname, "..", "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "latest.json"), `${JSON.stringify({ at, machine, loadBefore, ...results }, null, 2)}\n`);
const block = `Run ${at} on ${machine}; load average before: ${loadBefore}.\n\n${table}\n`;
writeFileSync(join(dir, "latest.md"), block);
if (ALL.every((b) => only.has(b))) writeIntoDocs(block);

/** Replaces what stands between the markers in docs/benchmarks.md, so the page always holds the latest full run. */
function writeIntoDocs(text: string): void {
  const path = join(import.meta.dirname, "..", "..", "docs", "benchmarks.md");
  const doc = readFileSync(path, "utf8");
  const start = "<!-- bench:latest:start -->";
  const end = "<!-- bench:latest:end -->";
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/benchmarks.md lacks the ${start} … ${end} markers`);
  writeFileSync(path, `${doc.slice(0, from + start.length)}\n${text}${doc.slice(to)}`);
  console.log("docs/benchmarks.md updated");
}

/** BENCH_SERVICE_ENV: JSON of extra environment per service for the sustained run, checked before anything runs. */
function serviceEnvFromEnvironment(): SustainedOptions["serviceEnv"] {
  const raw = process.env.BENCH_SERVICE_ENV;
  if (!raw) return undefined;
  const parsed = z.partialRecord(z.enum(SERVICES), z.record(z.string(), z.string())).safeParse(JSON.parse(raw));
  if (parsed.success) return parsed.data;
  throw new Error(`BENCH_SERVICE_ENV must be {"<service>": {"VARIABLE": "value"}}:\n${z.prettifyError(parsed.error)}`);
}
