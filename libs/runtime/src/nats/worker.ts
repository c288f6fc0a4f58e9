import type { ConsumerDefinition, StreamDefinition, Topology } from "@igdm/contracts";
import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { z } from "zod";
import type { CommonEnv } from "../env.js";
import { trackConsumerLag } from "../observability/consumer-lag.js";
import { natsReadinessChecks } from "../observability/nats-readiness.js";
import { type ReadinessResult, runReadinessChecks } from "../observability/readiness.js";
import { backoffDelay } from "../retry.js";
import { ConnectionState, connectNats, type NatsConnection, natsOptionsFromEnv } from "./connection.js";
import { ConsumerRunner, type ConsumerRunnerOptions } from "./consumer-runner.js";
import { watchMaxDeliveries } from "./max-deliveries-watch.js";
import { ensureTopology } from "./topology-setup.js";

export interface WorkerConsumer<S extends z.ZodType> {
  definition: ConsumerDefinition;
  schema: S;
  /** See ConsumerRunnerOptions.payload: "bytes" hands the schema the raw payload instead of parsed JSON. */
  payload?: "json" | "bytes";
  maxBatch: number;
  /** See ConsumerRunnerOptions.concurrency: batches handled at once (default 1). */
  concurrency?: number;
  handle: ConsumerRunnerOptions<S>["handle"];
}

export interface Worker {
  nc: NatsConnection;
  runners: ConsumerRunner<z.ZodType>[];
  /** Whether the connection is up right now. */
  state: ConnectionState;
  /** NATS connected, and every durable exists on the server and is consumed here (each check time-bounded). */
  readiness(): Promise<ReadinessResult>;
  /** Stop pulling, settle everything received, drain the connection. */
  stop(): Promise<void>;
}

/**
 * The common shape of every worker service: connect, make sure its streams and durables exist, run one
 * ConsumerRunner per durable, and stop them in order on shutdown.
 */
export async function startWorker(opts: {
  service: string;
  env: CommonEnv;
  log: Logger;
  topology: Topology;
  streams: StreamDefinition[];
  /** Built once connected (and before anything is consumed), so handlers can use the worker's own client. */
  consumers: (
    js: JetStreamClient,
    nc: NatsConnection,
    // biome-ignore lint/suspicious/noExplicitAny: consumers of different payload schemas run side by side
  ) => WorkerConsumer<any>[] | Promise<WorkerConsumer<any>[]>;
}): Promise<Worker> {
  const { service, env, log, topology } = opts;
  const nc = await connectNats(natsOptionsFromEnv(env, service), log);
  const state = new ConnectionState(nc, log);
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const consumers = await opts.consumers(js, nc);
  await ensureTopology(jsm, { streams: opts.streams, consumers: consumers.map((c) => c.definition) }, log);
  const runners = consumers.map(
    (c) =>
      new ConsumerRunner({
        service,
        js,
        log,
        definition: c.definition,
        schema: c.schema,
        ...(c.payload ? { payload: c.payload } : {}),
        maxBatch: c.maxBatch,
        ...(c.concurrency ? { concurrency: c.concurrency } : {}),
        dlqSubject: topology.subjects.dlq(service),
        handle: c.handle,
        retryDelayMs: (n) => backoffDelay(n, env.RETRY_BASE_MS, env.RETRY_MAX_MS),
      }),
  );
  const watches = await Promise.all(
    consumers.map((c) =>
      watchMaxDeliveries({
        nc,
        js,
        jsm,
        service,
        stream: c.definition.stream,
        durable: c.definition.config.durable_name,
        dlqSubject: topology.subjects.dlq(service),
        log,
      }),
    ),
  );
  for (const r of runners) await r.start();
  const durables = consumers.map((c, i) => ({
    stream: c.definition.stream,
    durable: c.definition.config.durable_name,
    active: () => runners[i]!.active,
  }));
  const untrack = durables.map((d) => trackConsumerLag({ jsm, stream: d.stream, durable: d.durable }));
  const checks = natsReadinessChecks({ state, jsm, durables });
  return {
    nc,
    runners,
    state,
    readiness: () => runReadinessChecks(checks),
    stop: async () => {
      for (const u of untrack) u();
      await Promise.all(runners.map((r) => r.stop()));
      for (const w of watches) w.unsubscribe();
      await nc.drain();
    },
  };
}
