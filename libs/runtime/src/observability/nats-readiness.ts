import type { JetStreamManager } from "@nats-io/jetstream";
import type { ConnectionState } from "../nats/connection.js";
import type { ReadinessCheck } from "./readiness.js";
import { safeDetail } from "./readiness.js";

export interface DurableProbe {
  stream: string;
  durable: string;
  /** False once the local consume loop has ended: the durable exists but nothing here reads it. */
  active?: () => boolean;
}

/**
 * What a NATS client of this project needs to be ready: the connection is up, and each of its durables exists on
 * the server and is being consumed here (or, with no durables, JetStream answers at all).
 */
export function natsReadinessChecks(opts: {
  state: ConnectionState;
  jsm: JetStreamManager;
  durables?: DurableProbe[];
}): Record<string, ReadinessCheck> {
  const { state, jsm } = opts;
  const nats: ReadinessCheck = async () => {
    if (!state.connected) throw new Error("disconnected from NATS");
  };
  if (!opts.durables?.length) {
    return {
      nats,
      jetstream: async () => {
        if (!state.connected) throw new Error("NATS is disconnected");
        await jsm.getAccountInfo();
      },
    };
  }
  const durables = opts.durables;
  return {
    nats,
    consumers: async () => {
      // Requests made while disconnected would only wait for their timeout.
      if (!state.connected) throw new Error("NATS is disconnected");
      const problems = await Promise.all(
        durables.map(async (d) => {
          if (d.active && !d.active()) return `${d.durable}: not consuming`;
          try {
            await jsm.consumers.info(d.stream, d.durable);
            return undefined;
          } catch (err) {
            return `${d.durable}: ${safeDetail(err)}`;
          }
        }),
      );
      const failed = problems.filter((p) => p !== undefined);
      if (failed.length) throw new Error(failed.join("; "));
      return `${durables.length} bound`;
    },
  };
}
