import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.js";

describe("RateLimiter", () => {
  it("hands out a full bucket at once per account, then says no without waiting; a refund gives one back", () => {
    const limiter = new RateLimiter(3);
    expect([1, 2, 3, 4].map(() => limiter.tryTake("a"))).toEqual([true, true, true, false]);
    // Another account has a bucket of its own.
    expect(limiter.tryTake("b")).toBe(true);
    limiter.refund("a");
    expect(limiter.tryTake("a")).toBe(true);
    expect(limiter.tryTake("a")).toBe(false);
  });

  it("never refunds above the bucket's size", () => {
    const limiter = new RateLimiter(2);
    limiter.refund("a");
    limiter.refund("a");
    expect([1, 2, 3].map(() => limiter.tryTake("a"))).toEqual([true, true, false]);
  });
});
