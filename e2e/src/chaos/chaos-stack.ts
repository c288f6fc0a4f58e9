import { consumers, topology } from "@igdm/contracts";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, startMetaSandbox } from "@igdm/meta-sandbox";
import {
  connectSandboxAccount,
  connectTestNats,
  findLeakedSecrets,
  instagramTextWebhook,
  type Leak,
  type NatsCluster,
  type NatsServerHandle,
  startNatsCluster,
  startNatsServer,
} from "@igdm/testkit";
import { jetstreamManager } from "@nats-io/jetstream";
import { ADMIN_TOKEN, APP_SECRET, type Pipeline, type ServiceName, startPipeline } from "../pipeline.js";
import { waitUntilSettled } from "../settle.js";
import { checkNoLoss, formatReport, type NoLossReport } from "./no-loss-checker.js";
import { type Delivery, type LoadOptions, type LoadRun, startLoad } from "./webhook-load.js";

const ALL: ServiceName[] = ["ingress", "normalizer", "persister", "token-refresher", "responder"];

export interface ChaosStack {
  sandbox: MetaSandbox;
  /** The test's own nats-server: killing it disturbs no other test. On a cluster, its first node. */
  nats: NatsServerHandle;
  /** The test's own three-node JetStream cluster, when started with `nats: "cluster"`. */
  cluster?: NatsCluster;
  /** What the services were given as NATS_URL: one URL, or every node's. */
  natsUrl: string;
  pipeline: Pipeline;
  /** Signed text DMs to the sandbox's shop, each from its own person, with mids `<prefix><i>`. */
  load(prefix: string, opts: Partial<LoadOptions> & { total: number }): LoadRun;
  /** Messages a durable holds unacknowledged right now: > 0 means a batch is in flight. */
  ackPending(durable: keyof ReturnType<typeof consumers>): Promise<number>;
  settle(timeoutMs?: number): Promise<void>;
  /** Runs the no-loss checker over a load's deliveries (replies at the sandbox included) and prints its counts. */
  check(
    fault: string,
    deliveries: Delivery[],
    opts: { midPrefix: string; poison?: ReadonlySet<string> },
  ): Promise<NoLossReport>;
  /** Secrets (app secret, admin token, every token Meta issued and its ciphertext) found in any service's log. */
  leakedSecrets(): Promise<Leak[]>;
  stop(): Promise<void>;
}

/**
 * Every service as its own process on a private nats-server, with the Meta sandbox's account connected through the
 * real OAuth flow: the whole system, ready to be broken.
 */
export async function startChaosStack(
  opts: {
    env?: Record<string, string>;
    databaseServer?: string;
    /** "cluster": a three-node JetStream cluster, every service given all three URLs and NATS_REPLICAS=3. */
    nats?: "single" | "cluster";
  } = {},
): Promise<ChaosStack> {
  const sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  const cluster = opts.nats === "cluster" ? await startNatsCluster({ size: 3 }) : undefined;
  if (cluster) await cluster.waitForJetStream();
  const nats = cluster ? cluster.nodes[0]! : await startNatsServer();
  const natsUrl = cluster ? cluster.urls : nats.url;
  const pipeline = await startPipeline({
    services: ALL,
    nats: { url: natsUrl },
    ...(opts.databaseServer ? { databaseServer: opts.databaseServer } : {}),
    env: {
      ...sandbox.env,
      APP_SECRET,
      // Thousands of replies in seconds: the sandbox is no real Meta to protect.
      SEND_RATE_PER_SECOND: "5000",
      ...(cluster ? { NATS_REPLICAS: "3" } : {}),
      ...opts.env,
    },
  });
  await connectSandboxAccount(pipeline.ingressUrl, pipeline.db.sql);
  const defs = consumers(topology(pipeline.namespace));
  // Every load's people are new: a person already answered (or in cooldown) gets no second automatic reply.
  let people = 0;
  return {
    sandbox,
    nats,
    ...(cluster ? { cluster } : {}),
    natsUrl,
    pipeline,
    load: (prefix, load) => {
      const first = people;
      people += load.total;
      return startLoad({
        ingressUrl: pipeline.ingressUrl,
        appSecret: APP_SECRET,
        body: (i) => {
          const person = `97${String(first + i).padStart(14, "0")}`;
          const mid = `${prefix}${i}`;
          return {
            mid,
            person,
            body: instagramTextWebhook(mid, `chaos ${i}`, { from: person, to: SANDBOX_SHOP_IG_ID }),
          };
        },
        ...load,
      });
    },
    ackPending: async (durable) => {
      const nc = await connectTestNats(natsUrl);
      try {
        const d = defs[durable];
        const info = await (await jetstreamManager(nc)).consumers.info(d.stream, d.config.durable_name);
        return info.num_ack_pending;
      } finally {
        await nc.close();
      }
    },
    check: async (fault, deliveries, { midPrefix, poison }) => {
      const report = await checkNoLoss({
        sql: pipeline.db.sql,
        deliveries,
        midPrefix,
        sandbox,
        ...(poison ? { poison } : {}),
      });
      console.log(formatReport(fault, report));
      return report;
    },
    settle: (timeoutMs = 120_000) => waitUntilSettled(pipeline.namespace, timeoutMs, natsUrl),
    leakedSecrets: async () => {
      const ciphertexts = await pipeline.db.sql<{ enc: string }[]>`
        select access_token_enc as enc from users where access_token_enc is not null
        union all select access_token_enc from pages where access_token_enc is not null
        union all select access_token_enc from instagram_accounts where access_token_enc is not null`;
      const secrets = {
        APP_SECRET,
        ADMIN_TOKEN,
        ...Object.fromEntries(sandbox.state.tokens.map((t, i) => [`sandbox token ${i}`, t.token])),
        ...Object.fromEntries(ciphertexts.map((r, i) => [`ciphertext ${i}`, r.enc])),
      };
      // Killed and restarted processes included: a crash must not spill secrets either.
      return findLeakedSecrets(
        pipeline.processes.map((p, i) => ({ where: `${p.name} #${i} log`, text: p.output() })),
        secrets,
      );
    },
    stop: async () => {
      await pipeline.stop();
      await (cluster ?? nats).dispose();
      await sandbox.close();
    },
  };
}
