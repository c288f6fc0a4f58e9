import { backoffDelay, isRevisionConflict } from "@igdm/runtime";
import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";

/** What one attempt at the current window came to. */
type TickOutcome = "done" | "taken" | "retry";

/**
 * Runs `pass` once per interval window however many replicas run: each replica tries to create the window's
 * lease key in a KV bucket (create fails if it exists) and only the winner runs. The bucket's TTL equals the
 * interval, so leases clean themselves up.
 *
 * A window is only given up to another replica, never to a failure: when the lease cannot be written (NATS
 * unreachable) or the pass fails (the persister not up yet, as at a deploy where the refresher starts first), the
 * lease is released and the window tried again with backoff, not left for a day. A replica that dies mid-pass
 * holds the window until the lease's TTL; the next window (or an operator) picks up what it missed.
 */
export function scheduleRefresh(opts: {
  leases: KV;
  intervalMs: number;
  replicaId: string;
  log: Logger;
  /** Gets the time the pass runs at: what "due" is measured from. */
  pass: (runKey: string, now: Date) => Promise<unknown>;
  /** Wait before attempt `n` (1-based) at a window that failed. */
  retryDelayMs?: (attempt: number) => number;
}): { stop(): Promise<void> } {
  const { leases, intervalMs, log } = opts;
  const retryDelayMs = opts.retryDelayMs ?? ((n) => backoffDelay(n, 5_000, 300_000));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let failures = 0;

  const tick = async (): Promise<TickOutcome> => {
    const runKey = `refresh-${Math.floor(Date.now() / intervalMs)}`;
    try {
      await leases.create(runKey, opts.replicaId);
    } catch (err) {
      if (isRevisionConflict(err)) return "taken";
      log.warn({ err, runKey }, "refresh lease could not be written; trying again");
      return "retry";
    }
    log.info({ runKey }, "refresh pass starting");
    try {
      const result = await opts.pass(runKey, new Date());
      log.info({ runKey, result }, "refresh pass done");
      return "done";
    } catch (err) {
      log.error({ err, runKey }, "refresh pass failed; releasing its lease to try again");
      // Without the lease gone the retry (or another replica) would find the window taken until the TTL ends it.
      await leases.delete(runKey).catch((e: unknown) => log.warn({ err: e, runKey }, "refresh lease not released"));
      return "retry";
    }
  };
  const schedule = (outcome: TickOutcome) => {
    if (stopped) return;
    failures = outcome === "retry" ? failures + 1 : 0;
    const untilNextWindow = intervalMs - (Date.now() % intervalMs) + 50;
    const wait = failures > 0 ? Math.min(retryDelayMs(failures), untilNextWindow) : untilNextWindow;
    timer = setTimeout(() => {
      running = tick().then(schedule);
    }, wait);
  };
  running = tick().then(schedule);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
