import type { JetStreamManager } from "@nats-io/jetstream";

export interface LagSample {
  /** Milliseconds since the series started. */
  atMs: number;
  /** num_pending + num_ack_pending of every durable, by durable name. */
  lag: Record<string, number>;
}

/**
 * num_pending + num_ack_pending of every durable on `streams`, by durable name: one consumer list call per stream
 * (it carries each consumer's counts), whatever the number of durables.
 */
export async function backlogByDurable(jsm: JetStreamManager, streams: string[]): Promise<Record<string, number>> {
  const lag: Record<string, number> = {};
  for (const stream of streams) {
    for (const c of await jsm.consumers.list(stream).next()) {
      // Ordered consumers (ephemeral, no durable name) are readers of the bench itself, not workers.
      if (c.config.durable_name) lag[c.config.durable_name] = c.num_pending + c.num_ack_pending;
    }
  }
  return lag;
}

/** Samples every durable's backlog (backlogByDurable) once per `intervalMs` until stopped. */
export function startLagSeries(jsm: JetStreamManager, streams: string[], intervalMs = 1000) {
  const started = performance.now();
  const samples: LagSample[] = [];
  let stopped = false;

  const sample = async (): Promise<LagSample> => {
    const atMs = Math.round(performance.now() - started);
    return { atMs, lag: await backlogByDurable(jsm, streams) };
  };

  const loop = (async () => {
    while (!stopped) {
      const tick = performance.now();
      try {
        samples.push(await sample());
      } catch {
        // A slow or failed sample leaves a gap in the series; the next tick tries again.
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - tick))));
    }
  })();

  return {
    samples,
    /** The latest sample, if it was taken after `sinceMs` (performance.now() time). */
    latestSince: (sinceMs: number) => {
      const last = samples.at(-1);
      return last && started + last.atMs >= sinceMs ? last : undefined;
    },
    stop: async () => {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** Every durable drained (false without a sample). */
export const drained = (lag: Record<string, number> | undefined) =>
  lag !== undefined && Object.values(lag).every((n) => n === 0);

/** The highest backlog each durable reached over the series. */
export function maxLag(samples: LagSample[]): Record<string, number> {
  const max: Record<string, number> = {};
  for (const s of samples) for (const [d, n] of Object.entries(s.lag)) max[d] = Math.max(max[d] ?? 0, n);
  return max;
}

/** One line per `everyMs` of the series: the time and each durable's backlog, durables with no lag left out. */
export function formatLagSeries(samples: LagSample[], everyMs = 5000): string[] {
  const lines: string[] = [];
  let next = 0;
  for (const s of samples) {
    if (s.atMs < next) continue;
    next = s.atMs - (s.atMs % everyMs) + everyMs;
    const busy = Object.entries(s.lag).filter(([, n]) => n > 0);
    lines.push(`${(s.atMs / 1000).toFixed(0).padStart(4)} s  ${busy.map(([d, n]) => `${d} ${n}`).join(", ") || "-"}`);
  }
  return lines;
}
