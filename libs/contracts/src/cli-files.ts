import { allConsumers } from "./consumers.js";
import { allStreams } from "./streams.js";
import { topology } from "./topology.js";

/**
 * The NATS CLI files for the default deployment (no namespace, one replica), keyed by path below the repo's
 * nats/ folder: streams/<name>.json for `nats stream add --config` and consumers/<stream>.<durable>.json for
 * `nats consumer add <stream> --config`. Generated from the definitions the services use, so they cannot drift.
 */
export function natsCliFiles(): Record<string, string> {
  const t = topology();
  const files: Record<string, string> = {};
  for (const s of allStreams(t)) files[`streams/${s.name}.json`] = `${JSON.stringify(s, null, 2)}\n`;
  for (const c of allConsumers(t)) {
    files[`consumers/${c.stream}.${c.config.durable_name}.json`] = `${JSON.stringify(c.config, null, 2)}\n`;
  }
  return files;
}
