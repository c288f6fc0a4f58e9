import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { topology } from "@igdm/contracts";
import { connectTestNats, waitFor } from "@igdm/testkit";
import { jetstreamManager } from "@nats-io/jetstream";
import { type LoadResult, loadWithWebhooks, signedWebhookPool } from "./autocannon-load.js";
import { benchEnvironment } from "./bench-env.js";
import { cpuSeconds } from "./process-cpu.js";
import { round } from "./stats.js";

const SECRET = "bench-app-secret-0123456789";

export interface IngressVsBareOptions {
  /** Measured seconds per target; BENCH_AUTOCANNON_SECONDS, 10 by default. */
  seconds?: number;
  /** Unmeasured load before each measured run (JIT, connection set-up); 3 s by default. */
  warmupSeconds?: number;
  connections?: number;
}

export interface TargetResult extends LoadResult {
  /**
   * CPU cores used while measured (1.0 = one core): the server, nats-server (the machine's shared one: whatever else
   * uses it meanwhile counts too), and this process (autocannon).
   */
  cpuCores: { server: number; natsServer: number | null; loadGenerator: number };
  /** The server's CPU time per answered request: steadier than req/s on a machine shared with other work. */
  serverCpuMicrosPerRequest: number;
}

export interface IngressVsBareResult {
  connections: number;
  bare: TargetResult;
  ingress: TargetResult;
  /** ingress req/s divided by the bare route's. */
  ratio: number;
  /** 200s ingress answered (warm-up and measured) and the messages its WEBHOOKS stream holds afterwards. */
  ingressStored: { answered200: number; streamMessages: number };
  /** Bodies signed ahead of the runs, and bodies signed on the fly because the runs outgrew the pool. */
  pool: { size: number; signedDuringRun: number };
  checks: {
    /** No answer other than 200 and no connection error, for both targets, warm-up included. */
    everyAnswer200: boolean;
    /**
     * The stream holds every body answered 200, and at most one more per connection and run: autocannon drops the
     * requests in flight when a run's time is up, and ingress still stores those.
     */
    storedEvery200: boolean;
  };
}

/**
 * The ceiling and the real thing under the same load: autocannon (in this process) POSTs signed, distinct webhooks
 * with `connections` connections, first to a bare fastify route that only checks the HMAC (bare-hmac-server.ts, its
 * own process), then to ingress (the built bundle), where every 200 means JetStream acknowledged the body.
 */
export async function ingressVsBare(opts: IngressVsBareOptions = {}): Promise<IngressVsBareResult & Tabulated> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_AUTOCANNON_SECONDS ?? 10);
  const warmupSeconds = opts.warmupSeconds ?? 3;
  const connections = opts.connections ?? 50;
  const bench = await benchEnvironment("ingvbare");
  let bare: BareServer | undefined;
  try {
    const port = 30000 + Math.floor(Math.random() * 20000);
    const ingress = await bench.spawn(
      "ingress",
      { APP_SECRET: SECRET, VERIFY_TOKEN: "bench-verify-token", PORT: String(port), HOST: "127.0.0.1" },
      /^Server listening/,
    );
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.ok, {
      what: "ingress ready",
    });
    bare = await startBareServer();

    // Enough bodies for the faster (bare) run at a generous 40,000 req/s; the ingress run takes the same bodies.
    const pool = signedWebhookPool(SECRET, Math.ceil(40_000 * (warmupSeconds + seconds)));
    const natsPid = natsServerPid();
    let failures = 0;
    const measure = async (url: string, pid: number | undefined): Promise<[TargetResult, number]> => {
      const warm = await loadWithWebhooks(url, pool, { connections, seconds: warmupSeconds, firstBody: 0 });
      const before = { server: cpuSeconds(pid), nats: cpuSeconds(natsPid), self: process.cpuUsage() };
      const started = performance.now();
      const run = await loadWithWebhooks(url, pool, { connections, seconds, firstBody: warm.bodiesTaken });
      const wall = (performance.now() - started) / 1000;
      const self = process.cpuUsage(before.self);
      const serverSeconds = cpuSeconds(pid) - before.server;
      const cores = (s: number) => round(s / wall, 2);
      const cpuCores = {
        server: cores(serverSeconds),
        natsServer: natsPid === undefined ? null : cores(cpuSeconds(natsPid) - before.nats),
        loadGenerator: cores((self.user + self.system) / 1e6),
      };
      failures += warm.non2xx + warm.errors + run.non2xx + run.errors;
      const serverCpuMicrosPerRequest = Math.round((serverSeconds * 1e6) / Math.max(1, run.ok));
      return [{ ...run, cpuCores, serverCpuMicrosPerRequest }, warm.ok + run.ok];
    };

    const [bareResult] = await measure(`http://127.0.0.1:${bare.port}/webhook`, bare.child.pid);
    const [ingressResult, answered200] = await measure(`http://127.0.0.1:${port}/webhook`, ingress.child.pid);
    const streamMessages = await storedMessages(bench.namespace);
    const result: IngressVsBareResult = {
      connections,
      bare: bareResult,
      ingress: ingressResult,
      ratio: round(ingressResult.requestsPerSecond / bareResult.requestsPerSecond, 2),
      ingressStored: { answered200, streamMessages },
      pool: { size: pool.size, signedDuringRun: pool.signedDuringRun },
      checks: {
        everyAnswer200: failures === 0,
        storedEvery200: streamMessages >= answered200 && streamMessages - answered200 <= 2 * connections,
      },
    };
    return withTableRows(result);
  } finally {
    await bare?.stop();
    await bench.cleanup();
  }
}

interface Tabulated {
  /** Markdown rows `| benchmark | result | goal |` for the results table. */
  tableRows(): string[];
}

/** Adds `tableRows()` without making it a property that JSON or console.log shows. */
function withTableRows(result: IngressVsBareResult): IngressVsBareResult & Tabulated {
  return Object.defineProperty(result, "tableRows", {
    value: () => ingressVsBareRows(result),
    enumerable: false,
  }) as IngressVsBareResult & Tabulated;
}

export function ingressVsBareRows(r: IngressVsBareResult): string[] {
  const line = (t: TargetResult) =>
    `${t.requestsPerSecond} req/s; p50 ${t.latencyMs.p50} ms, p99 ${t.latencyMs.p99} ms, p99.9 ${t.latencyMs.p999} ms; ` +
    `${t.non2xx} not 2xx, ${t.errors} errors; CPU cores: server ${t.cpuCores.server} ` +
    `(${t.serverCpuMicrosPerRequest} µs per request), nats-server ` +
    `${t.cpuCores.natsServer ?? "?"}, autocannon ${t.cpuCores.loadGenerator}`;
  const s = r.ingressStored;
  return [
    `| bare fastify route, HMAC check only (ceiling), ${r.connections} connections, ${round(r.bare.seconds)} s | ${line(r.bare)} | |`,
    `| ingress, every 200 a JetStream ack, ${r.connections} connections, ${round(r.ingress.seconds)} s | ${line(r.ingress)}; ` +
      `stream holds ${s.streamMessages} for ${s.answered200} answered 200 | >= 0.5 x bare, p99 < 25 ms |`,
    `| ingress / bare throughput | ${r.ratio}${r.checks.everyAnswer200 && r.checks.storedEvery200 ? "" : " (CHECKS FAILED: see the result's checks)"} | >= 0.5 |`,
  ];
}

interface BareServer {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** bare-hmac-server.ts in a process of its own (as ingress runs), on a free port it reports once listening. */
async function startBareServer(): Promise<BareServer> {
  const child = spawn(
    process.execPath,
    ["--conditions=@igdm/source", "--import", "tsx", join(import.meta.dirname, "bare-hmac-server.ts")],
    { env: { PATH: process.env.PATH, APP_SECRET: SECRET, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = once(child, "exit");
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`bare server exited ${child.exitCode}:\n${out}`);
      return /listening \d+/.test(out);
    },
    { what: "bare server listening" },
  );
  return {
    port: Number(/listening (\d+)/.exec(out)![1]),
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The local nats-server's pid, to measure its CPU share; undefined if it cannot be found. */
function natsServerPid(): number | undefined {
  try {
    const pid = Number(execFileSync("pgrep", ["-f", "nats-server.*4222"], { encoding: "utf8" }).split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function storedMessages(namespace: string): Promise<number> {
  const nc = await connectTestNats();
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(topology(namespace).streams.webhooks)).state.messages;
  } finally {
    await nc.close();
  }
}
