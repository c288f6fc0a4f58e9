import type { ConsumerDefinition, StreamDefinition } from "@igdm/contracts";
import { type ConsumerConfig, JetStreamApiError, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import type { Logger } from "pino";

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const STREAM_NAME_IN_USE = 10058;

const apiCode = (err: unknown) => (err instanceof JetStreamApiError ? err.code : undefined);
const isTimeout = (err: unknown) => err instanceof Error && err.name === "TimeoutError";

/**
 * Attempts of one ensure step. On a JetStream cluster (NATS 2.9) the meta leader may leave a create unanswered when
 * another replica's create of the same stream or durable is being applied: the request times out although the
 * stream or durable then exists. Asking again finds it (or creates it), so a timeout is retried a few times.
 */
const ENSURE_ATTEMPTS = 5;

async function retryingTimeouts(what: string, log: Logger, step: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isTimeout(err) || attempt >= ENSURE_ATTEMPTS) throw err;
      log.warn({ err, what, attempt }, "JetStream did not answer in time: asking again");
    }
  }
}

function differs(wanted: object, actual: object): string[] {
  return Object.entries(wanted)
    .filter(([k, v]) => JSON.stringify((actual as Record<string, unknown>)[k]) !== JSON.stringify(v))
    .map(([k]) => k);
}

/**
 * Creates the stream or brings its mutable settings in line with the definition. Safe to run from every
 * replica at start-up: a concurrent create by another replica is treated as success.
 */
export function ensureStream(jsm: JetStreamManager, def: StreamDefinition, log: Logger): Promise<void> {
  return retryingTimeouts(`stream ${def.name}`, log, () => ensureStreamOnce(jsm, def, log));
}

async function ensureStreamOnce(jsm: JetStreamManager, def: StreamDefinition, log: Logger): Promise<void> {
  try {
    const info = await jsm.streams.info(def.name);
    const changed = differs(def, info.config);
    if (changed.length === 0) return;
    await jsm.streams.update(def.name, def as Partial<StreamConfig>);
    log.info({ stream: def.name, changed }, "stream updated");
  } catch (err) {
    if (apiCode(err) !== STREAM_NOT_FOUND) throw err;
    try {
      await jsm.streams.add(def as Partial<StreamConfig> & { name: string });
      log.info({ stream: def.name }, "stream created");
    } catch (addErr) {
      if (apiCode(addErr) !== STREAM_NAME_IN_USE) throw addErr;
    }
  }
}

/**
 * Creates the durable consumer or updates its mutable settings. deliver_policy cannot change on an existing
 * durable (NATS 2.9); replaying means removing and re-adding it, which the README shows.
 */
export function ensureConsumer(jsm: JetStreamManager, def: ConsumerDefinition, log: Logger): Promise<void> {
  return retryingTimeouts(`consumer ${def.stream}/${def.config.durable_name}`, log, () =>
    ensureConsumerOnce(jsm, def, log),
  );
}

async function ensureConsumerOnce(jsm: JetStreamManager, def: ConsumerDefinition, log: Logger): Promise<void> {
  const { stream, config } = def;
  try {
    const info = await jsm.consumers.info(stream, config.durable_name);
    const { deliver_policy: _fixed, ...mutable } = config;
    const changed = differs(mutable, info.config);
    if (changed.length === 0) return;
    await jsm.consumers.update(stream, config.durable_name, mutable as Partial<ConsumerConfig>);
    log.info({ stream, consumer: config.durable_name, changed }, "consumer updated");
  } catch (err) {
    if (apiCode(err) !== CONSUMER_NOT_FOUND) throw err;
    await jsm.consumers.add(stream, config as Partial<ConsumerConfig>);
    log.info({ stream, consumer: config.durable_name }, "consumer created");
  }
}

export async function ensureTopology(
  jsm: JetStreamManager,
  parts: { streams?: StreamDefinition[]; consumers?: ConsumerDefinition[] },
  log: Logger,
): Promise<void> {
  for (const s of parts.streams ?? []) await ensureStream(jsm, s, log);
  for (const c of parts.consumers ?? []) await ensureConsumer(jsm, c, log);
}
