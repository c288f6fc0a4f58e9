import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ConsumerDefinition } from "@igdm/contracts";
import {
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from "@nats-io/jetstream";

/**
 * The operations of docs/replay.md, one function per NATS CLI command there, through the JS client's management
 * API: what the replay test runs is what an operator types.
 */

const consumersDir = resolve(import.meta.dirname, "../../nats/consumers");

export interface ShippedConsumer {
  /** From the file name, `<stream>.<durable>.json`, as `nats consumer add <stream> --config <file>` takes it. */
  stream: string;
  config: ConsumerDefinition["config"];
}

/** Every durable as shipped in nats/consumers/: what the services create and `nats consumer add --config` reads. */
export function shippedConsumers(): ShippedConsumer[] {
  return readdirSync(consumersDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({
      stream: f.slice(0, f.indexOf(".")),
      config: JSON.parse(readFileSync(join(consumersDir, f), "utf8")) as ConsumerDefinition["config"],
    }));
}

export type ReplayStart = { time: Date } | { seq: number };

/**
 * The edited copy of a shipped file (`jq '.deliver_policy = "by_start_time" | .opt_start_time = "…"'`): the same
 * durable, only its start moved. `nats consumer add --config` ignores `--deliver`, so the file carries the start.
 */
export function startingAt(config: ShippedConsumer["config"], start: ReplayStart): Partial<ConsumerConfig> {
  return "time" in start
    ? { ...config, deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time.toISOString() }
    : { ...config, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.seq };
}

/** `nats consumer rm <stream> <durable> -f && nats consumer add <stream> --config <edited copy>` */
export async function replayDurable(
  jsm: JetStreamManager,
  { stream, config }: ShippedConsumer,
  start: ReplayStart,
): Promise<ConsumerInfo> {
  await jsm.consumers.delete(stream, config.durable_name);
  return jsm.consumers.add(stream, startingAt(config, start));
}

/**
 * A temporary consumer (what `nats stream view --since` and a throwaway `nats consumer add … --deliver 24h` create):
 * reads what a replay would deliver without touching any durable, then goes away. Returns the stream sequences.
 */
export async function readWithTemporaryConsumer(
  js: JetStreamClient,
  stream: string,
  filter: string,
  start: ReplayStart,
): Promise<number[]> {
  const from = "time" in start ? { opt_start_time: start.time.toISOString() } : { opt_start_seq: start.seq };
  const consumer = await js.consumers.get(stream, { filter_subjects: filter, ...from });
  const seqs: number[] = [];
  try {
    for (;;) {
      const { num_pending } = await consumer.info();
      if (num_pending === 0) return seqs;
      const got = seqs.length;
      for await (const m of await consumer.fetch({ max_messages: num_pending, expires: 5000 })) seqs.push(m.seq);
      // Nothing came within the wait: the server's pending count was an estimate, and this is all there is.
      if (seqs.length === got) return seqs;
    }
  } finally {
    await consumer.delete();
  }
}

/**
 * `nats stream get <stream> <seq> --json | jq -r .data | base64 -d | nats pub -J --force-stdin -H "Nats-Msg-Id:<id>"
 * <subject>`: the stored payload again, on its own subject. With the original id inside the duplicate window the
 * stream drops it (the ack says duplicate); a deliberate republish needs an id never used before.
 */
export async function republish(
  jsm: JetStreamManager,
  js: JetStreamClient,
  stream: string,
  seq: number,
  msgID: string,
): Promise<PubAck> {
  const stored = await jsm.streams.getMessage(stream, { seq });
  if (!stored) throw new Error(`no message ${seq} in ${stream}`);
  return js.publish(stored.subject, stored.data, { msgID });
}
