import { topology } from "@igdm/contracts";
import {
  connectTestNats,
  freePort,
  type NatsServerHandle,
  spawnService,
  startNatsCluster,
  startNatsServer,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";
import { jetstreamManager } from "@nats-io/jetstream";
import { type LoadResult, loadWithWebhooks, signedWebhookPool } from "./autocannon-load.js";
import { cpuSeconds } from "./process-cpu.js";
import { round } from "./stats.js";

const SECRET = "bench-app-secret-0123456789";

export interface ReplicaRun extends LoadResult {
  replicas: number;
  servers: number;
  /** CPU cores while measured: ingress, and every nats-server together. */
  cpuCores: { ingress: number; natsServers: number };
  /** What the WEBHOOKS stream holds afterwards, against the 200s ingress gave (warm-up included). */
  stored: { answered200: number; streamMessages: number };
}

export interface ReplicasResult {
  connections: number;
  /** JetStream's flush policy in both runs. */
  sync: "always" | "server default";
  r1: ReplicaRun;
  r3: ReplicaRun;
  /** R3 req/s divided by R1's. */
  ratio: number;
}

/**
 * ingress under the same autocannon load as the ingress benchmark, once on a private single nats-server with R1
 * streams and once on a private three-node cluster with R3 streams (every 200 then means two servers hold the
 * webhook). By default both use the server's default flush: this machine's 2.9 has no `sync_interval`, so the cost
 * of the flush the shipped config adds is measured only with BENCH_NATS_SYNC=always on a newer server.
 */
export async function r1VsR3(
  opts: { seconds?: number; warmupSeconds?: number; connections?: number } = {},
): Promise<ReplicasResult & { tableRows: () => string[] }> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_AUTOCANNON_SECONDS ?? 10);
  const warmupSeconds = opts.warmupSeconds ?? 3;
  const connections = opts.connections ?? 50;
  const pool = signedWebhookPool(SECRET, Math.ceil(20_000 * (warmupSeconds + seconds)));
  const run = { seconds, warmupSeconds, connections, pool };

  // BENCH_NATS_SYNC=always with NATS_SERVER_BIN pointing at nats-server 2.10+: both runs flush every write, as the
  // shipped config does (2.9 refuses the option).
  const syncAlways = process.env.BENCH_NATS_SYNC === "always";
  const single = await startNatsServer(
    syncAlways ? { config: (storeDir) => `jetstream { store_dir: "${storeDir}", sync_interval: always }\n` } : {},
  );
  let r1: ReplicaRun;
  try {
    r1 = await ingressOn({ ...run, servers: [single], url: single.url, replicas: 1 });
  } finally {
    await single.dispose();
  }
  const cluster = await startNatsCluster({ size: 3, syncAlways });
  let r3: ReplicaRun;
  try {
    await cluster.waitForJetStream();
    r3 = await ingressOn({ ...run, servers: cluster.nodes, url: cluster.urls, replicas: 3 });
  } finally {
    await cluster.dispose();
  }
  const result: ReplicasResult = {
    connections,
    sync: syncAlways ? "always" : "server default",
    r1,
    r3,
    ratio: round(r3.requestsPerSecond / r1.requestsPerSecond, 2),
  };
  return Object.defineProperty(result, "tableRows", {
    value: () => replicasRows(result),
    enumerable: false,
  }) as ReplicasResult & { tableRows: () => string[] };
}

async function ingressOn(o: {
  servers: NatsServerHandle[];
  url: string;
  replicas: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  pool: ReturnType<typeof signedWebhookPool>;
}): Promise<ReplicaRun> {
  const namespace = uniqueNamespace("brepl");
  const port = await freePort();
  const ingress = spawnService(
    "ingress",
    {
      NATS_URL: o.url,
      NATS_NAMESPACE: namespace,
      NATS_REPLICAS: String(o.replicas),
      APP_SECRET: SECRET,
      VERIFY_TOKEN: "bench-verify-token",
      PORT: String(port),
      HOST: "127.0.0.1",
      OPS_PORT: "0",
      LOG_LEVEL: "warn",
    },
    { built: true },
  );
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.ok, {
      what: `ingress ready on R${o.replicas}`,
      timeoutMs: 60_000,
    });
    const url = `http://127.0.0.1:${port}/webhook`;
    const natsCpu = () => o.servers.reduce((sum, s) => sum + cpuSeconds(s.pid), 0);
    // The pool's bodies from 0 each time: a fresh stream, so nothing is a duplicate.
    const warm = await loadWithWebhooks(url, o.pool, {
      connections: o.connections,
      seconds: o.warmupSeconds,
      firstBody: 0,
    });
    const before = { ingress: cpuSeconds(ingress.child.pid), nats: natsCpu() };
    const started = performance.now();
    const measured = await loadWithWebhooks(url, o.pool, {
      connections: o.connections,
      seconds: o.seconds,
      firstBody: warm.bodiesTaken,
    });
    const wall = (performance.now() - started) / 1000;
    const cpuCores = {
      ingress: round((cpuSeconds(ingress.child.pid) - before.ingress) / wall, 2),
      natsServers: round((natsCpu() - before.nats) / wall, 2),
    };
    return {
      ...measured,
      replicas: o.replicas,
      servers: o.servers.length,
      cpuCores,
      stored: { answered200: warm.ok + measured.ok, streamMessages: await streamMessages(o.url, namespace) },
    };
  } finally {
    await ingress.stop();
  }
}

async function streamMessages(url: string, namespace: string): Promise<number> {
  const nc = await connectTestNats(url);
  try {
    return (await (await jetstreamManager(nc)).streams.info(topology(namespace).streams.webhooks)).state.messages;
  } finally {
    await nc.close();
  }
}

export function replicasRows(r: ReplicasResult): string[] {
  const line = (t: ReplicaRun) =>
    `${t.requestsPerSecond} req/s; p50 ${t.latencyMs.p50} ms, p99 ${t.latencyMs.p99} ms; ${t.non2xx} not 2xx, ` +
    `${t.errors} errors; CPU cores: ingress ${t.cpuCores.ingress}, nats-server${t.servers > 1 ? "s" : ""} ` +
    `${t.cpuCores.natsServers}; stream holds ${t.stored.streamMessages} for ${t.stored.answered200} answered 200`;
  return [
    `| ingress on one nats-server, R1 streams, flush: ${r.sync}, ${r.connections} connections | ${line(r.r1)} | |`,
    `| ingress on a three-node cluster, R3 streams, flush: ${r.sync}, ${r.connections} connections | ${line(r.r3)} | |`,
    `| R3 / R1 ingress throughput | ${r.ratio} | (reported) |`,
  ];
}
