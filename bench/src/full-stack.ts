import { randomBytes } from "node:crypto";
import { type MetaSandbox, startMetaSandbox } from "@igdm/meta-sandbox";
import { connectSandboxAccount, type ServiceProcess, waitFor } from "@igdm/testkit";
import { benchEnvironment } from "./bench-env.js";
import { httpPoster } from "./http-load.js";

export const SERVICES = ["ingress", "normalizer", "persister", "responder", "token-refresher"] as const;
export type Service = (typeof SERVICES)[number];

/** The app secret the stack verifies webhook signatures with. */
export const STACK_APP_SECRET = "bench-app-secret-0123456789";

const READY_LOG: Record<Service, string | RegExp> = {
  ingress: /^Server listening/,
  normalizer: "consuming",
  persister: "consuming",
  responder: "responder ready",
  "token-refresher": "token-refresher ready",
};

/**
 * All five services (built bundles) on a fresh namespace and database, with the Meta sandbox (in this process)
 * connected through ingress's real OAuth flow: an Instagram account ready to receive webhooks and answer them.
 */
export async function startFullStack(opts: {
  /** The per-account send limit (the sandbox's single account sends every reply). */
  sendRatePerSecond: number;
  serviceEnv?: Partial<Record<Service, Record<string, string>>>;
}) {
  const bench = await benchEnvironment("sustain");
  let sandbox: MetaSandbox | undefined;
  const port = 30000 + Math.floor(Math.random() * 20000);
  const http = httpPoster(port);
  const close = async () => {
    http.close();
    await sandbox?.close();
    await bench.cleanup();
  };
  try {
    sandbox = await startMetaSandbox({ appSecret: STACK_APP_SECRET });
    const env = {
      ...sandbox.env,
      APP_SECRET: STACK_APP_SECRET,
      VERIFY_TOKEN: "bench-verify-token",
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIRECT_URI: `http://127.0.0.1:${port}/auth/callback`,
      TOKEN_ENCRYPTION_KEYS: `b1:${randomBytes(32).toString("base64")}`,
      SEND_RATE_PER_SECOND: String(opts.sendRatePerSecond),
    };
    const services: ServiceProcess[] = await Promise.all(
      SERVICES.map((s) => bench.spawn(s, { ...env, ...opts.serviceEnv?.[s] }, READY_LOG[s])),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/ready`).catch(() => null))?.ok, { what: "ingress ready" });
    await connectSandboxAccount(url, bench.db.sql);
    return { bench, sandbox, http, services, close };
  } catch (err) {
    await close();
    throw err;
  }
}
