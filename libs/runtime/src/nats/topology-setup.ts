import type { ConsumerDefinition, StreamDefinition } from "@igdm/contracts";
import { type ConsumerConfig, JetStreamApiError, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import type { Logger } from "pino";

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const STREAM_NAME_IN_USE = 10058;

const apiCode = (err: unknown) => (err instanceof JetStreamApiError ? err.code : undefined);

function differs(wanted: object, actual: object): string[] {
  return Object.entries(wanted)
    .filter(([k, v]) => JSON.stringify((actual as Record<string, unknown>)[k]) !== JSON.stringify(v))
    .map(([k]) => k);
}

/**
 * Creates the stream or brings its mutable settings in line with the definition. Safe to run from every
 * replica at start-up: a concurrent create by another replica is treated as success.
 */
export async function ensureStream(jsm: JetStreamManager, def: StreamDefinition, log: Logger): Promise<void> {
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
export async function ensureConsumer(jsm: JetStreamManager, def: ConsumerDefinition, log: Logger): Promise<void> {
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
