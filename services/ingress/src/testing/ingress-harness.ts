import { allStreams, topology } from "@igdm/contracts";
import { createLogger, parseEnv } from "@igdm/runtime";
import { findLeakedSecrets, type Leak, type ScannedText, testNatsUrl, uniqueNamespace, waitFor } from "@igdm/testkit";
import type { FastifyInstance } from "fastify";
import { buildAdminApp } from "../admin/admin-app.js";
import { natsAdminRelay } from "../admin/admin-relay.js";
import { buildApp } from "../app.js";
import { natsAuthRelay } from "../auth/relay.js";
import { IngressEnv } from "../env.js";
import { natsDeletionStatusRelay } from "../meta/deletion-status-relay.js";
import { JetStreamWebhookSink } from "../webhook/sink.js";

export const APP_SECRET = "test-app-secret-0123456789";
export const INSTAGRAM_APP_SECRET = "test-ig-secret-0123456789";
export const VERIFY_TOKEN = "test-verify-token";
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/** The harness's secrets found in answers or log lines (labels and places only, never the secret). */
export function leakedHarnessSecrets(answers: ScannedText[], logLines: string[]): Leak[] {
  return findLeakedSecrets([...answers, ...logLines.map((text, i) => ({ where: `log line ${i}`, text }))], {
    APP_SECRET,
    INSTAGRAM_APP_SECRET,
    VERIFY_TOKEN,
    ADMIN_TOKEN,
  });
}

export interface IngressUnderTest {
  app: FastifyInstance;
  sink: JetStreamWebhookSink;
  namespace: string;
  env: IngressEnv;
  /** The admin app, when started with `admin: true` (ADMIN_TOKEN defaults to the harness's). */
  admin?: FastifyInstance;
  close(): Promise<void>;
}

/** The real app wired to a real JetStream sink, in-process, on its own namespace. */
export async function startIngress(
  opts: {
    natsUrl?: string;
    env?: Record<string, string>;
    waitUntilReady?: boolean;
    admin?: boolean;
    /** Collects every log line at debug level (for tests that check what is logged, and what never is). */
    logLines?: string[];
  } = {},
): Promise<IngressUnderTest> {
  const namespace = uniqueNamespace("ing");
  const env = parseEnv(IngressEnv, {
    APP_SECRET,
    INSTAGRAM_APP_SECRET,
    VERIFY_TOKEN,
    NATS_URL: opts.natsUrl ?? testNatsUrl(),
    NATS_NAMESPACE: namespace,
    PUBLISH_TIMEOUT_MS: "1500",
    RPC_TIMEOUT_MS: "2000",
    ...(opts.admin ? { ADMIN_TOKEN } : {}),
    ...opts.env,
  });
  const lines = opts.logLines;
  const log = lines
    ? createLogger({ service: "ingress", level: "debug", destination: { write: (line: string) => lines.push(line) } })
    : createLogger({ service: "ingress", level: process.env.LOG_LEVEL ?? "silent" });
  const t = topology(namespace);
  const sink = new JetStreamWebhookSink(t, allStreams(t).slice(0, 1), env.PUBLISH_TIMEOUT_MS, log);
  const auth = natsAuthRelay(() => sink.connection, t, 2000);
  const deletionStatus = natsDeletionStatusRelay(() => sink.connection, t, env.RPC_TIMEOUT_MS);
  const app = await buildApp({ env, log, sink, auth, deletionStatus });
  const admin = opts.admin
    ? await buildAdminApp({ env, log, relay: natsAdminRelay(() => sink.connection, t, env.RPC_TIMEOUT_MS) })
    : undefined;
  void sink.connect({ url: env.NATS_URL, name: "ingress-test" });
  if (opts.waitUntilReady !== false) {
    await waitFor(async () => (await sink.readiness()).ready, { what: "ingress ready" });
  }
  return {
    app,
    sink,
    namespace,
    env,
    admin,
    close: async () => {
      await admin?.close();
      await app.close();
      await sink.close();
    },
  };
}
