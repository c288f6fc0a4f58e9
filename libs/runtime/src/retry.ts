/**
 * Delay before the next attempt: exponential from `baseMs`, capped, with ±20% jitter so replicas that failed
 * together do not retry together.
 */
export function backoffDelay(attempt: number, baseMs = 1000, maxMs = 60_000, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.8 + random() * 0.4));
}
