import type { Logger } from "pino";
import { handleShutdown } from "../shutdown.js";
import { startOpsServer } from "./ops-server.js";
import { notReady, type ReadinessResult } from "./readiness.js";

export interface RunningService {
  readiness(): Promise<ReadinessResult>;
  stop(): Promise<void>;
}

/**
 * The main of a worker service: the ops server first (so probes get "not ready" rather than no answer while the
 * first NATS connection is awaited), then the service, then a graceful shutdown that stops the service before the
 * ops server.
 */
export async function runService<S extends RunningService>(opts: {
  service: string;
  env: { OPS_HOST: string; OPS_PORT: number; SHUTDOWN_TIMEOUT_MS: number };
  log: Logger;
  /** What stopping the service does, for the shutdown log (e.g. "consumers and NATS"). */
  stops: string;
  start: () => Promise<S>;
}): Promise<S> {
  let running: S | undefined;
  const ops = await startOpsServer({
    service: opts.service,
    host: opts.env.OPS_HOST,
    port: opts.env.OPS_PORT,
    log: opts.log,
    readiness: async () => (running ? running.readiness() : notReady("nats", "connecting")),
  });
  const started = await opts.start();
  running = started;
  handleShutdown(
    opts.log,
    [
      { name: opts.stops, run: () => started.stop() },
      { name: "ops http", run: () => ops.close() },
    ],
    opts.env.SHUTDOWN_TIMEOUT_MS,
  );
  return started;
}
