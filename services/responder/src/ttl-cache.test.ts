import { describe, expect, it } from "vitest";
import { TtlCache } from "./ttl-cache.js";

describe("TtlCache.peek", () => {
  it("answers only a finished, unexpired load, and never loads", async () => {
    const cache = new TtlCache<string>(60_000);
    let loads = 0;
    let finish!: (v: string) => void;
    const loading = cache.get("k", () => {
      loads++;
      return new Promise<string>((resolve) => {
        finish = resolve;
      });
    });
    expect(cache.peek("k")).toBeUndefined();
    finish("v");
    await loading;
    expect(cache.peek("k")).toBe("v");
    expect(cache.peek("other")).toBeUndefined();
    cache.invalidate("k");
    expect(cache.peek("k")).toBeUndefined();
    expect(loads).toBe(1);
  });

  it("forgets a failed load and an expired one", async () => {
    const failing = new TtlCache<string>(60_000);
    await expect(failing.get("k", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(failing.peek("k")).toBeUndefined();
    const expired = new TtlCache<string>(0);
    await expired.get("k", async () => "v");
    expect(expired.peek("k")).toBeUndefined();
  });
});
