/**
 * A token bucket per account: `ratePerSecond` sends, bursting up to the same number. `take` waits until the
 * account has a token, so a burst of replies is spread out instead of rejected by Meta.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly ratePerSecond: number) {}

  async take(key: string): Promise<void> {
    for (;;) {
      const b = this.#refilled(key);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - b.tokens) / this.ratePerSecond) * 1000)));
    }
  }

  /** Takes a token if the account has one right now; never waits. */
  tryTake(key: string): boolean {
    const b = this.#refilled(key);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Gives back a token taken for a send that did not happen. */
  refund(key: string): void {
    const b = this.#refilled(key);
    b.tokens = Math.min(this.ratePerSecond, b.tokens + 1);
  }

  #refilled(key: string): { tokens: number; at: number } {
    const now = Date.now();
    const b = this.#buckets.get(key) ?? { tokens: this.ratePerSecond, at: now };
    b.tokens = Math.min(this.ratePerSecond, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    this.#buckets.set(key, b);
    return b;
  }
}
