import { randomUUID } from "node:crypto";
import { allStreams } from "@igdm/contracts";
import { TokenCipher } from "@igdm/crypto";
import { GraphClient } from "@igdm/meta";
import {
  ConnectionState,
  connectNats,
  ensureTopology,
  type Logger,
  natsOptionsFromEnv,
  natsReadinessChecks,
  runReadinessChecks,
  streamSettingsFromEnv,
  topologyFromEnv,
} from "@igdm/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { TokenRefresherEnv } from "./env.js";
import { serveLogin } from "./oauth/login-handlers.js";
import { OAuthStateStore } from "./oauth/state-store.js";
import { runRefreshPass } from "./refresh/refresh-pass.js";
import { scheduleRefresh } from "./refresh/scheduler.js";

export function graphClientFromEnv(env: TokenRefresherEnv, log: Logger): GraphClient {
  return new GraphClient({
    graphBaseUrl: env.GRAPH_API_BASE_URL,
    igGraphBaseUrl: env.INSTAGRAM_GRAPH_BASE_URL,
    igApiBaseUrl: env.INSTAGRAM_API_BASE_URL,
    apiVersion: env.GRAPH_API_VERSION,
    appId: env.APP_ID,
    appSecret: env.APP_SECRET,
    ...(env.INSTAGRAM_APP_ID ? { igAppId: env.INSTAGRAM_APP_ID } : {}),
    ...(env.INSTAGRAM_APP_SECRET ? { igAppSecret: env.INSTAGRAM_APP_SECRET } : {}),
    timeoutMs: env.GRAPH_TIMEOUT_MS,
    log,
  });
}

/** Connects accounts (request/reply from ingress) and runs the refresh pass on its schedule. */
export async function startTokenRefresher(env: TokenRefresherEnv, log: Logger) {
  const topology = topologyFromEnv(env);
  const nc = await connectNats(natsOptionsFromEnv(env, "token-refresher"), log);
  const state = new ConnectionState(nc, log);
  const jsm = await jetstreamManager(nc);
  await ensureTopology(jsm, { streams: allStreams(topology, streamSettingsFromEnv(env)) }, log);
  const js = jetstream(nc);
  const kvm = new Kvm(js);
  const ttlMs = env.OAUTH_STATE_TTL_SECONDS * 1000;
  const intervalMs = env.REFRESH_INTERVAL_SECONDS * 1000;
  const [stateBucket, leaseBucket] = await Promise.all([
    kvm.create(topology.kv.oauthStates, { ttl: ttlMs, history: 1, replicas: env.NATS_REPLICAS }),
    kvm.create(topology.kv.leases, { ttl: intervalMs, history: 1, replicas: env.NATS_REPLICAS }),
  ]);
  const cipher = TokenCipher.fromKeys(env.TOKEN_ENCRYPTION_KEYS);
  const graph = graphClientFromEnv(env, log);
  const states = new OAuthStateStore(stateBucket, ttlMs);
  const subs = serveLogin({ nc, js, topology, env, graph, cipher, states, log });
  const scheduler = scheduleRefresh({
    leases: leaseBucket,
    intervalMs,
    replicaId: randomUUID(),
    log,
    pass: (runKey, now) =>
      runRefreshPass({
        nc,
        js,
        topology,
        log,
        ctx: { graph, cipher, runKey, now, leadMs: env.REFRESH_LEAD_DAYS * 86_400_000 },
      }),
  });
  log.info("token-refresher ready");
  // No durables: ready while connected and JetStream (its KV buckets, the EVENTS stream) answers.
  const checks = natsReadinessChecks({ state, jsm });
  return {
    nc,
    readiness: () => runReadinessChecks(checks),
    stop: async () => {
      for (const s of subs) s.unsubscribe();
      await scheduler.stop();
      await nc.drain();
    },
  };
}
