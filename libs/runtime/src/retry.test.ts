import { describe, expect, it } from "vitest";
import { backoffDelay } from "./retry.js";

describe("backoffDelay", () => {
  it("doubles per attempt up to the cap, within ±20% jitter", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, mid))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, 1000, 60_000, mid)).toBe(60_000);
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(800);
    expect(backoffDelay(1, 1000, 60_000, () => 0.999999)).toBe(1200);
  });
});
