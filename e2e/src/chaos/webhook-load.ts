import { metaWebhookHeaders } from "@igdm/testkit";

/** One webhook of a load run: its body and every status ingress answered (0: no answer at all). */
export interface Delivery {
  readonly index: number;
  /** The message id the body carries: the row it must produce. */
  readonly mid: string;
  /** The person who sent it: each delivery has its own, so every stored message deserves exactly one reply. */
  readonly person: string;
  readonly body: string;
  readonly statuses: number[];
}

export interface LoadOptions {
  ingressUrl: string;
  appSecret: string;
  total: number;
  body: (index: number) => { mid: string; person: string; body: string };
  /** Requests in flight at once, as Meta's delivery workers hold several. */
  concurrency?: number;
  /** Meta retries a delivery that did not get 200; how many more attempts each webhook gets, and their spacing. */
  retries?: number;
  retryDelayMs?: number;
}

export interface LoadRun {
  readonly deliveries: Delivery[];
  /** Resolves once `n` first attempts have been answered: the moment to inject a fault "under load". */
  reached(n: number): Promise<void>;
  /** Resolves when every webhook was delivered (200) or ran out of retries. */
  readonly done: Promise<Delivery[]>;
}

/**
 * Drives signed webhooks at ingress the way Meta does: several in flight, each retried later when it was not
 * answered 200. Every attempt's status is recorded, so the no-loss checker can hold each answer to account.
 */
export function startLoad(opts: LoadOptions): LoadRun {
  const deliveries: Delivery[] = Array.from({ length: opts.total }, (_, index) => ({
    index,
    ...opts.body(index),
    statuses: [],
  }));
  let answered = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const notify = () => {
    for (const w of waiters.filter((w) => answered >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const post = async (d: Delivery): Promise<number> => {
    try {
      const res = await fetch(`${opts.ingressUrl}/webhook`, {
        method: "POST",
        body: d.body,
        headers: metaWebhookHeaders(d.body, opts.appSecret),
        // Meta gives up on a delivery after a few seconds and retries it later.
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };

  const queue = [...deliveries];
  const firstAttempts = Promise.all(
    Array.from({ length: opts.concurrency ?? 16 }, async () => {
      for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
        d.statuses.push(await post(d));
        answered++;
        notify();
      }
    }),
  );
  const done = (async () => {
    await firstAttempts;
    for (let attempt = 0; attempt < (opts.retries ?? 5); attempt++) {
      const pending = deliveries.filter((d) => !d.statuses.includes(200));
      if (pending.length === 0) break;
      await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 1000) * 2 ** attempt));
      for (const d of pending) d.statuses.push(await post(d));
    }
    return deliveries;
  })();
  return {
    deliveries,
    reached: (n) => (answered >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    done,
  };
}
