import type { Logger } from "pino";

export type ShutdownStep = { name: string; run: () => Promise<unknown> };

/**
 * On SIGTERM/SIGINT runs the steps in order (stop taking work, finish in-flight, drain NATS), then exits 0.
 * A step that hangs past `timeoutMs` ends the process with 1 rather than blocking a deploy forever.
 */
export function handleShutdown(log: Logger, steps: ShutdownStep[], timeoutMs: number): void {
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    log.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, "shutdown timed out");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        log.error({ err, step: step.name }, "shutdown step failed");
      }
    }
    log.info("shutdown complete");
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.on("unhandledRejection", (err) => {
    log.fatal({ err }, "unhandled rejection");
    process.exit(1);
  });
}
