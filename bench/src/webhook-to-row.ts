import { instagramTextWebhook, metaWebhookHeaders, waitFor } from "@igdm/testkit";
import { benchEnvironment } from "./bench-env.js";
import { percentile, round } from "./stats.js";

const SECRET = "bench-app-secret-0123456789";

/**
 * End to end at a fixed rate: signed webhooks (one text message each) POSTed to ingress for `seconds`, then the
 * time from each POST to its row in `messages` (the row's created_at), plus how many were not answered 200.
 */
export async function webhookToRow(ratePerSecond: number, seconds: number) {
  const bench = await benchEnvironment("latency");
  try {
    const port = 30000 + Math.floor(Math.random() * 20000);
    const extra = { APP_SECRET: SECRET, VERIFY_TOKEN: "bench-verify-token", PORT: String(port), HOST: "127.0.0.1" };
    await Promise.all([
      bench.spawn("ingress", extra, /^Server listening/),
      bench.spawn("normalizer"),
      bench.spawn("persister"),
    ]);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/ready`).catch(() => null))?.ok, { what: "ingress ready" });

    const sentAt = new Map<string, number>();
    const statuses = new Map<number, number>();
    const inFlight: Promise<void>[] = [];
    const total = ratePerSecond * seconds;
    const tickMs = 10;
    const perTick = (ratePerSecond * tickMs) / 1000;
    const t0 = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / tickMs + 1) * perTick));
      for (; sent < due; sent++) {
        const mid = `bench.${bench.namespace}.${sent}`;
        const body = instagramTextWebhook(mid);
        sentAt.set(mid, Date.now());
        inFlight.push(
          fetch(`${url}/webhook`, { method: "POST", body, headers: metaWebhookHeaders(body, SECRET) })
            .then(async (r) => {
              await r.arrayBuffer();
              statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            })
            .catch(() => {
              statuses.set(0, (statuses.get(0) ?? 0) + 1);
            }),
        );
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await Promise.all(inFlight);
    const sendSeconds = (performance.now() - t0) / 1000;
    await waitFor(
      async () => {
        const [row] = await bench.db.sql<{ n: number }[]>`select count(*)::int as n from messages`;
        const n = row?.n ?? 0;
        return n >= (statuses.get(200) ?? 0);
      },
      { timeoutMs: 120_000, intervalMs: 100, what: "every accepted webhook stored" },
    );
    const rows = await bench.db.sql<{ message_id: string; created_at: Date }[]>`
      select message_id, created_at from messages`;
    const latencies = rows.map((r) => r.created_at.getTime() - sentAt.get(r.message_id)!);
    return {
      webhooks: total,
      achievedRate: Math.round(total / sendSeconds),
      ok: statuses.get(200) ?? 0,
      notOk: total - (statuses.get(200) ?? 0),
      rows: rows.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      seconds: round(sendSeconds, 1),
    };
  } finally {
    await bench.cleanup();
  }
}
