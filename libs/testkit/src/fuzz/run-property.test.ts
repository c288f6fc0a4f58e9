import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fuzz, fuzzSettings } from "./run-property.js";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("fuzzSettings", () => {
  it("takes FUZZ_SEED and FUZZ_RUNS from the environment, capped by maxRuns", () => {
    vi.stubEnv("FUZZ_SEED", "123");
    vi.stubEnv("FUZZ_RUNS", "50");
    expect(fuzzSettings(2000)).toEqual({ seed: 123, runs: 50 });
    expect(fuzzSettings(5, 20)).toEqual({ seed: 123, runs: 20 });
  });

  it("picks a random seed and the property's own count when unset", () => {
    vi.stubEnv("FUZZ_SEED", "");
    vi.stubEnv("FUZZ_RUNS", "");
    const a = fuzzSettings(2000);
    expect(a.runs).toBe(2000);
    expect(Number.isInteger(a.seed)).toBe(true);
  });

  it("refuses a seed that is not an integer instead of silently fuzzing something else", () => {
    vi.stubEnv("FUZZ_SEED", "abc");
    expect(() => fuzzSettings(10)).toThrow(/FUZZ_SEED must be an integer/);
  });
});

describe("fuzz", () => {
  it("prints the seed before running, and the same seed replays the same cases", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    vi.stubEnv("FUZZ_SEED", "42");
    vi.stubEnv("FUZZ_RUNS", "");
    const seen: number[][] = [[], []];
    for (const run of seen)
      await fuzz(
        "replay",
        fc.property(fc.integer(), (n) => void run.push(n)),
        { runs: 25 },
      );
    expect(seen[0]).toHaveLength(25);
    expect(seen[1]).toEqual(seen[0]);
    expect(log).toHaveBeenCalledWith("fuzz replay: seed=42 runs=25 (replay: FUZZ_SEED=42 FUZZ_RUNS=25)");
  });

  it("fails with fast-check's counterexample and the seed", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.stubEnv("FUZZ_SEED", "7");
    const failing = fc.asyncProperty(fc.nat(), async (n) => {
      expect(n).toBeLessThan(10);
    });
    await expect(fuzz("failing", failing, { runs: 200 })).rejects.toThrow(/seed: 7[\s\S]*Counterexample: \[10\]/);
  });
});
