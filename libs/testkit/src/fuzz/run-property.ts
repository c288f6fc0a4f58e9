import fc from "fast-check";

export interface FuzzSettings {
  seed: number;
  runs: number;
}

function envInteger(name: string, min: number): number | undefined {
  const raw = process.env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

/**
 * The seed and run count of one property: FUZZ_SEED replays a failed run (the same seed gives the same cases),
 * FUZZ_RUNS overrides every property's own count (more for a soak, fewer for a quick look).
 */
export function fuzzSettings(defaultRuns: number, maxRuns = Number.POSITIVE_INFINITY): FuzzSettings {
  const seed = envInteger("FUZZ_SEED", Number.MIN_SAFE_INTEGER) ?? Math.floor(Math.random() * 0x7fffffff);
  return { seed: seed | 0, runs: Math.min(envInteger("FUZZ_RUNS", 1) ?? defaultRuns, maxRuns) };
}

/**
 * Runs a fast-check property with a printed seed: the line comes before the first case, so even a run killed by a
 * timeout can be replayed with `FUZZ_SEED=<seed>`. fast-check's own failure message adds the shrunk counterexample.
 */
export async function fuzz<Ts>(
  name: string,
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  opts: {
    runs: number;
    /** A cap on FUZZ_RUNS for a property whose cases take seconds each. */
    maxRuns?: number;
  } & Omit<fc.Parameters<Ts>, "seed" | "numRuns">,
): Promise<FuzzSettings> {
  const { runs: defaultRuns, maxRuns, ...params } = opts;
  const settings = fuzzSettings(defaultRuns, maxRuns);
  console.log(
    `fuzz ${name}: seed=${settings.seed} runs=${settings.runs} (replay: FUZZ_SEED=${settings.seed} FUZZ_RUNS=${settings.runs})`,
  );
  await fc.assert(property as fc.IRawProperty<Ts>, { ...params, seed: settings.seed, numRuns: settings.runs });
  return settings;
}
