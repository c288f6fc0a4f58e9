import { randomBytes } from "node:crypto";
import { startMetaSandbox } from "@igdm/meta-sandbox";
import { connectSandboxAccount, instagramTextWebhook, metaWebhookHeaders, waitFor } from "@igdm/testkit";
import { benchEnvironment } from "./bench-env.js";
import { atRate, httpPoster } from "./http-load.js";
import { percentile, round } from "./stats.js";

const SECRET = "bench-app-secret-0123456789";

const inbound = (user: string, mid: string) => instagramTextWebhook(mid, "hi", { from: user });

/**
 * Replies end to end: an account connected through the sandbox's OAuth, then `count` inbound messages from
 * distinct people (each owed one automatic reply) POSTed at `rate`; replies/s and the time from each POST to its
 * reply arriving at the (fake) Send API. The per-account send limit is lifted so the pipeline, not the limiter,
 * is measured.
 */
export async function repliesEndToEnd(count: number, rate: number) {
  const bench = await benchEnvironment("replies");
  const sandbox = await startMetaSandbox({ appSecret: SECRET });
  const port = 30000 + Math.floor(Math.random() * 20000);
  const http = httpPoster(port);
  try {
    const extra = {
      ...sandbox.env,
      APP_SECRET: SECRET,
      VERIFY_TOKEN: "bench-verify-token",
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIRECT_URI: `http://127.0.0.1:${port}/auth/callback`,
      TOKEN_ENCRYPTION_KEYS: `b1:${randomBytes(32).toString("base64")}`,
      SEND_RATE_PER_SECOND: "100000",
    };
    await Promise.all([
      bench.spawn("ingress", extra, /^Server listening/),
      bench.spawn("normalizer", extra),
      bench.spawn("persister", extra),
      bench.spawn("token-refresher", extra, "token-refresher ready"),
      bench.spawn("responder", extra, "responder ready"),
    ]);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/ready`).catch(() => null))?.ok, { what: "ingress ready" });
    await connectSandboxAccount(url, bench.db.sql);

    const sentAt = new Map<string, number>();
    const run = (phase: string, total: number) =>
      atRate(total, rate, async (i) => {
        const user = `${phase === "warmup" ? 8 : 9}${String(i).padStart(15, "0")}`;
        const body = inbound(user, `mid.bench.${phase}.${i}`);
        sentAt.set(user, Date.now());
        await http.post("/webhook", body, metaWebhookHeaders(body, SECRET));
      });
    const replied = (prefix: string) =>
      sandbox.state.sentMessages.filter((m) => m.accepted && m.recipient.startsWith(prefix));
    await run("warmup", Math.min(count, rate * 2));
    await waitFor(async () => replied("8").length === Math.min(count, rate * 2), {
      timeoutMs: 120_000,
      what: "warm-up replies",
    });

    const started = Date.now();
    await run("measured", count);
    await waitFor(async () => replied("9").length === count, { timeoutMs: 180_000, what: "every reply sent" });
    const replies = replied("9");
    const latencies = replies.map((m) => m.at.getTime() - sentAt.get(m.recipient)!);
    const last = Math.max(...replies.map((m) => m.at.getTime()));
    return {
      messages: count,
      offeredRate: rate,
      replies: replies.length,
      repliesPerSecond: Math.round(count / ((last - started) / 1000)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      seconds: round((last - started) / 1000, 1),
    };
  } finally {
    http.close();
    await sandbox.close();
    await bench.cleanup();
  }
}
