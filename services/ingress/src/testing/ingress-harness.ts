import { allStreams, topology } from "@igdm/contracts";
import { createLogger, parseEnv } from "@igdm/runtime";
import { testNatsUrl, uniqueNamespace, waitFor } from "@igdm/testkit";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../app.js";
import { natsAuthRelay } from "../auth/relay.js";
import { IngressEnv } from "../env.js";
import { JetStreamWebhookSink } from "../webhook/sink.js";

export const APP_SECRET = "test-app-secret-0123456789";
export const INSTAGRAM_APP_SECRET = "test-ig-secret-0123456789";
export const VERIFY_TOKEN = "test-verify-token";

export interface IngressUnderTest {
  app: FastifyInstance;
  sink: JetStreamWebhookSink;
  namespace: string;
  env: IngressEnv;
  close(): Promise<void>;
}

/** The real app wired to a real JetStream sink, in-process, on its own namespace. */
export async function startIngress(
  opts: { natsUrl?: string; env?: Record<string, string>; waitUntilReady?: boolean } = {},
): Promise<IngressUnderTest> {
  const namespace = uniqueNamespace("ing");
  const env = parseEnv(IngressEnv, {
    APP_SECRET,
    INSTAGRAM_APP_SECRET,
    VERIFY_TOKEN,
    NATS_URL: opts.natsUrl ?? testNatsUrl(),
    NATS_NAMESPACE: namespace,
    PUBLISH_TIMEOUT_MS: "1500",
    ...opts.env,
  });
  const log = createLogger({ service: "ingress", level: process.env.LOG_LEVEL ?? "silent" });
  const t = topology(namespace);
  const sink = new JetStreamWebhookSink(t, allStreams(t).slice(0, 1), env.PUBLISH_TIMEOUT_MS, log);
  const auth = natsAuthRelay(() => sink.connection, t, 2000);
  const app = await buildApp({ env, log, sink, auth });
  void sink.connect({ url: env.NATS_URL, name: "ingress-test" });
  if (opts.waitUntilReady !== false) {
    await waitFor(async () => (await sink.readiness()).ready, { what: "ingress ready" });
  }
  return {
    app,
    sink,
    namespace,
    env,
    close: async () => {
      await app.close();
      await sink.close();
    },
  };
}
