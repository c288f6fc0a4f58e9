import { describe, expect, it } from "vitest";
import { TransientError } from "./errors.js";
import { backoffDelay, retryTransient } from "./retry.js";

describe("backoffDelay", () => {
  it("doubles per attempt up to the cap, within ±20% jitter", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, mid))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, 1000, 60_000, mid)).toBe(60_000);
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(800);
    expect(backoffDelay(1, 1000, 60_000, () => 0.999999)).toBe(1200);
  });
});

describe("retryTransient", () => {
  it("retries transient failures until one succeeds", async () => {
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls += 1;
        if (calls < 3) throw new TransientError("leader election");
        return "stored";
      },
      { budgetMs: 5000, baseMs: 1, maxMs: 2 },
    );
    expect(result).toBe("stored");
    expect(calls).toBe(3);
  });

  it("throws any other error at once", async () => {
    let calls = 0;
    const bug = new Error("a bug");
    await expect(
      retryTransient(
        async () => {
          calls += 1;
          throw bug;
        },
        { budgetMs: 5000, baseMs: 1 },
      ),
    ).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it("gives up with the last transient error once the budget would be overrun", async () => {
    let calls = 0;
    await expect(
      retryTransient(
        async () => {
          calls += 1;
          throw new TransientError(`attempt ${calls}`);
        },
        { budgetMs: 0, baseMs: 1 },
      ),
    ).rejects.toThrow("attempt 1");
    expect(calls).toBe(1);
  });
});
