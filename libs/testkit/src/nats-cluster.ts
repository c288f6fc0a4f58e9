import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type NatsServerHandle, startNatsServer } from "./nats-server.js";
import { freePort, waitFor } from "./ports.js";

export interface NatsClusterNode extends NatsServerHandle {
  /** The node's server_name: what a stream's cluster.leader and replicas name. */
  readonly name: string;
  /** Its HTTP monitoring endpoint (/healthz, /jsz, /varz). */
  readonly monitorUrl: string;
}

export interface NatsCluster {
  readonly name: string;
  readonly nodes: NatsClusterNode[];
  /** Every node's client URL, comma-separated, as NATS_URL takes them. */
  readonly urls: string;
  /** Resolves once every running node is healthy and a meta leader sees every node as a peer. */
  waitForJetStream(timeoutMs?: number): Promise<void>;
  /** The node leading `stream` right now (waits out an election). */
  streamLeader(stream: string, timeoutMs?: number): Promise<NatsClusterNode>;
  /** A connection to the whole cluster that reconnects to whichever node is up. */
  connect(): Promise<NatsConnection>;
  dispose(): Promise<void>;
}

export interface NatsClusterOptions {
  size?: number;
  /** Extra environment of every server process. */
  env?: Record<string, string>;
  /** Extra command-line arguments of every server. */
  args?: string[];
  /** `sync_interval: always`: a flush before every acknowledgement (nats-server 2.10 or later; 2.9 refuses it). */
  syncAlways?: boolean;
}

interface JszMeta {
  meta_cluster?: { leader?: string; cluster_size?: number; replicas?: { name: string; current: boolean }[] };
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `size` nats-servers as one JetStream cluster on free ports (each its own server_name, store, client,
 * cluster and monitoring port, with routes to all the others), for tests of leader failover.
 */
export async function startNatsCluster(opts: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = opts.size ?? 3;
  const clusterName = `igdm_${Math.random().toString(36).slice(2, 8)}`;
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({
      client: await freePort(),
      cluster: await freePort(),
      http: await freePort(),
    })),
  );
  const names = ports.map((_, i) => `n${i + 1}`);
  const started = await Promise.allSettled(
    ports.map(async (p, i) => {
      const routes = ports
        .filter((_, j) => j !== i)
        .map((o) => `nats-route://127.0.0.1:${o.cluster}`)
        .join(", ");
      const server = await startNatsServer({
        port: p.client,
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.args ? { args: opts.args } : {}),
        config: (storeDir) =>
          [
            `server_name: "${names[i]}"`,
            `http: "127.0.0.1:${p.http}"`,
            `jetstream { store_dir: "${storeDir}"${opts.syncAlways ? ", sync_interval: always" : ""} }`,
            `cluster { name: "${clusterName}", listen: "127.0.0.1:${p.cluster}", routes: [ ${routes} ] }`,
            "",
          ].join("\n"),
      });
      return Object.assign(server, { name: names[i]!, monitorUrl: `http://127.0.0.1:${p.http}` }) as NatsClusterNode;
    }),
  );
  const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw failed.reason;
  }
  const urls = nodes.map((n) => n.url).join(",");
  const connectAll = () =>
    connect({
      servers: nodes.map((n) => n.url),
      noAsyncTraces: true,
      name: "igdm-test-cluster",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });

  const cluster: NatsCluster = {
    name: clusterName,
    nodes,
    urls,
    connect: connectAll,
    waitForJetStream: async (timeoutMs = 30_000) => {
      await waitFor(
        async () => {
          let metaOk = false;
          for (const n of nodes) {
            // A killed node is no part of the cluster until it is restarted.
            if (!(await getJson(`${n.monitorUrl}/varz`))) continue;
            const health = await getJson<{ status?: string }>(`${n.monitorUrl}/healthz`);
            if (health?.status !== "ok") return false;
            const jsz = await getJson<JszMeta>(`${n.monitorUrl}/jsz`);
            const meta = jsz?.meta_cluster;
            if (!meta?.leader) return false;
            if (meta.leader === n.name) {
              metaOk = meta.cluster_size === size && (meta.replicas?.length ?? 0) === size - 1;
            }
          }
          return metaOk;
        },
        { timeoutMs, intervalMs: 100, what: `JetStream meta group of ${size} nodes with a leader` },
      );
    },
    streamLeader: async (stream, timeoutMs = 30_000) => {
      const nc = await connectAll();
      try {
        // No API check at creation: it asks the meta leader, which may be the node just killed.
        const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
        return await waitFor(
          async () => {
            const info = await jsm.streams.info(stream).catch(() => undefined);
            const leader = info?.cluster?.leader;
            return leader ? nodes.find((n) => n.name === leader) : undefined;
          },
          { timeoutMs, intervalMs: 100, what: `a leader of stream ${stream}` },
        );
      } finally {
        await nc.close();
      }
    },
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
  return cluster;
}
