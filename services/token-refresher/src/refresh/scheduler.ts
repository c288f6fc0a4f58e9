import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";

/**
 * Runs `pass` once per interval window however many replicas run: each replica tries to create the window's
 * lease key in a KV bucket (create fails if it exists) and only the winner runs. The bucket's TTL equals the
 * interval, so leases clean themselves up. A replica that dies mid-pass leaves the window done; the next window
 * (or an operator) picks up what it missed.
 */
export function scheduleRefresh(opts: {
  leases: KV;
  intervalMs: number;
  replicaId: string;
  log: Logger;
  pass: (runKey: string) => Promise<unknown>;
}): { stop(): Promise<void> } {
  const { leases, intervalMs, log } = opts;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  const tick = async () => {
    const runKey = `refresh-${Math.floor(Date.now() / intervalMs)}`;
    try {
      await leases.create(runKey, opts.replicaId);
    } catch {
      return; // another replica holds this window
    }
    log.info({ runKey }, "refresh pass starting");
    try {
      const result = await opts.pass(runKey);
      log.info({ runKey, result }, "refresh pass done");
    } catch (err) {
      log.error({ err, runKey }, "refresh pass failed");
    }
  };
  const schedule = () => {
    if (stopped) return;
    const untilNext = intervalMs - (Date.now() % intervalMs) + 50;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, untilNext);
  };
  running = tick().finally(schedule);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
