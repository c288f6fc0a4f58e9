import {
  connectTestNats,
  createMigratedTestDatabase,
  deleteNamespaceStreams,
  freePort,
  metaWebhookHeaders,
  type ServiceProcess,
  spawnService,
  type TestDatabase,
  testNatsUrl,
  uniqueNamespace,
  waitFor,
} from "@igdm/testkit";

export const APP_SECRET = "e2e-app-secret-0123456789";
/** Two keys: k2 encrypts, k1 is an older key kept for reading (rotation). */
export const TOKEN_KEYS = {
  k2: Buffer.alloc(32, 2),
  k1: Buffer.alloc(32, 1),
};
const TOKEN_ENCRYPTION_KEYS = Object.entries(TOKEN_KEYS)
  .map(([id, key]) => `${id}:${key.toString("base64")}`)
  .join(",");

export type ServiceName = "ingress" | "normalizer" | "persister" | "token-refresher" | "responder";
export const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

/** The log line each service prints once it is serving. */
const READY: Record<ServiceName, string | RegExp> = {
  ingress: /^Server listening/,
  normalizer: "consuming",
  persister: "consuming",
  "token-refresher": "token-refresher ready",
  responder: "responder ready",
};

export interface Pipeline {
  namespace: string;
  /** The NATS server the services use (the shared one unless the test brought its own). */
  natsUrl: string;
  db: TestDatabase;
  ingressUrl: string;
  /** ingress's admin port (manual send, debug views), with ADMIN_TOKEN. */
  adminUrl: string;
  processes: ServiceProcess[];
  /** A process's ops port (/health, /ready, /metrics); by name: the first process of that service. */
  opsUrl(of: ServiceName | ServiceProcess): string;
  /** POSTs a body to ingress signed as Meta would, returning the status. */
  post(body: string | Buffer): Promise<number>;
  /** Starts one more replica of a service with the pipeline's environment. */
  spawn(name: ServiceName, env?: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/**
 * The services as separate processes on one namespace and one fresh, migrated database: what runs in production,
 * minus Meta. Extra env applies to every process (e.g. faster retries for fault tests).
 */
export async function startPipeline(
  opts: {
    services?: ServiceName[];
    env?: Record<string, string>;
    /** Where the services reach the database (e.g. through a proxy a test can cut); the database itself by default. */
    databaseUrl?: (db: TestDatabase) => Promise<string>;
    /**
     * A private NATS server the test owns (and disposes) instead of the shared one. Only there may `namespace` be
     * "" (production's subjects and streams), and stop() then leaves its streams alone.
     */
    nats?: { url: string; namespace?: string };
    /** The PostgreSQL server to create the test database on (a private one a test can stop); the shared one by default. */
    databaseServer?: string;
    /** Environment of one service's processes only (e.g. its own NATS_USER and NATS_PASSWORD), over `env`. */
    serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  } = {},
): Promise<Pipeline> {
  const namespace = opts.nats?.namespace ?? uniqueNamespace("e2e");
  const db = await createMigratedTestDatabase("igdm_e2e", opts.databaseServer);
  const port = await freePort();
  const adminPort = await freePort();
  const env = {
    NATS_URL: opts.nats?.url ?? testNatsUrl(),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: opts.databaseUrl ? await opts.databaseUrl(db) : db.url,
    APP_SECRET,
    VERIFY_TOKEN: "e2e-verify-token",
    PORT: String(port),
    HOST: "127.0.0.1",
    APP_ID: "e2e-app-id",
    REDIRECT_URI: `http://127.0.0.1:${port}/auth/callback`,
    TOKEN_ENCRYPTION_KEYS,
    ADMIN_PORT: String(adminPort),
    ADMIN_HOST: "127.0.0.1",
    ADMIN_TOKEN,
    RETRY_BASE_MS: "200",
    RETRY_MAX_MS: "2000",
    ...opts.env,
  };
  const processes: ServiceProcess[] = [];
  const opsUrls = new Map<ServiceProcess, string>();
  const spawn = async (name: ServiceName, extra: Record<string, string> = {}) => {
    // Every process its own ops port: replicas and parallel test files never collide on the defaults.
    const opsPort = extra.OPS_PORT ?? String(await freePort());
    const p = spawnService(name, {
      ...env,
      OPS_HOST: "127.0.0.1",
      ...opts.serviceEnv?.[name],
      ...extra,
      OPS_PORT: opsPort,
    });
    processes.push(p);
    opsUrls.set(p, `http://127.0.0.1:${opsPort}`);
    await p.waitForLog(READY[name]);
    return p;
  };
  const ingressUrl = `http://127.0.0.1:${port}`;
  await Promise.all((opts.services ?? ["ingress", "normalizer", "persister"]).map((s) => spawn(s)));
  if (processes.some((p) => p.name === "ingress")) {
    await waitFor(async () => (await fetch(`${ingressUrl}/ready`).catch(() => null))?.ok, { what: "ingress ready" });
  }
  return {
    namespace,
    natsUrl: env.NATS_URL,
    db,
    ingressUrl,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    processes,
    opsUrl: (of) => {
      const p = typeof of === "string" ? processes.find((x) => x.name === of) : of;
      const url = p && opsUrls.get(p);
      if (!url) throw new Error(`no process ${typeof of === "string" ? of : of.name} in this pipeline`);
      return url;
    },
    spawn,
    post: async (body) => {
      const res = await fetch(`${ingressUrl}/webhook`, {
        method: "POST",
        body,
        headers: metaWebhookHeaders(body, APP_SECRET),
      });
      await res.arrayBuffer();
      return res.status;
    },
    stop: async () => {
      await Promise.all(processes.map((p) => p.stop()));
      await db.drop();
      if (opts.nats) return;
      const nc = await connectTestNats();
      await deleteNamespaceStreams(nc, namespace);
      await nc.close();
    },
  };
}
