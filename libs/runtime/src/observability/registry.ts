import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's metrics: one registry of its own (not prom-client's global default, which libraries may also
 * write to). Every metric of the project is named `igdm_…`; the standard process metrics keep their own names.
 */
export const metricsRegistry = new Registry();

let initialised = false;

/**
 * Turns on the standard process metrics and labels every series with the service, once per process (the ops
 * server calls it at start). A second call, e.g. a test running two services in one process, changes nothing.
 */
export function initMetrics(service: string): void {
  if (initialised) return;
  initialised = true;
  metricsRegistry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metricsRegistry });
}

/** Seconds buckets from 1 ms to 5 min: handler and end-to-end latencies both fit. */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

function existing<M>(name: string, kind: abstract new (...args: never[]) => M): M | undefined {
  if (!name.startsWith("igdm_")) throw new Error(`metric ${name} must be named igdm_…`);
  const found = metricsRegistry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (!(found instanceof kind)) throw new Error(`metric ${name} is already registered as another type`);
  return found;
}

/**
 * Get-or-create: prom-client throws when a name is registered twice, and several instances of a service (tests)
 * or several modules may ask for the same metric. The first definition's help and labels win.
 */
export function counter<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  return (
    (existing(name, Counter) as Counter<L> | undefined) ??
    new Counter<L>({ name, help, labelNames, registers: [metricsRegistry] })
  );
}

export function histogram<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = LATENCY_BUCKETS,
): Histogram<L> {
  return (
    (existing(name, Histogram) as Histogram<L> | undefined) ??
    new Histogram<L>({ name, help, labelNames, buckets, registers: [metricsRegistry] })
  );
}

/** `collect` runs at every scrape (it may be async) to set the gauge from outside state. */
export function gauge<L extends string = never>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  collect?: (this: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  return (
    (existing(name, Gauge) as Gauge<L> | undefined) ??
    new Gauge<L>({ name, help, labelNames, registers: [metricsRegistry], ...(collect ? { collect } : {}) })
  );
}
