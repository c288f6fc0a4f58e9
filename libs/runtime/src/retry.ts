import { TransientError } from "./errors.js";

/**
 * Delay before the next attempt: exponential from `baseMs`, capped, with ±20% jitter so replicas that failed
 * together do not retry together.
 */
export function backoffDelay(attempt: number, baseMs = 1000, maxMs = 60_000, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.8 + random() * 0.4));
}

/**
 * Runs `step`, retrying it while it throws a TransientError and `budgetMs` lasts (backoff from `baseMs`, capped at
 * `maxMs`), for a step worth finishing now rather than on a redelivery: a write that a failover, not a bug, made
 * time out. Any other error, or the budget spent, throws what the last attempt threw.
 */
export async function retryTransient<T>(
  step: () => Promise<T>,
  opts: { budgetMs: number; baseMs?: number; maxMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const wait = backoffDelay(attempt, opts.baseMs ?? 100, opts.maxMs ?? 2000);
      if (!(err instanceof TransientError) || Date.now() + wait > deadline) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
