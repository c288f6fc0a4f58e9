import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

export const testNatsUrl = () => process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** A namespace no other test file uses: streams and subjects of one test never meet another's. */
export const uniqueNamespace = (prefix = "t") => `${prefix}_${randomBytes(5).toString("hex")}`;

/** `url` may list several servers, comma-separated, as NATS_URL does. */
export function connectTestNats(url = testNatsUrl()): Promise<NatsConnection> {
  return connect({ servers: url.split(",").map((s) => s.trim()), noAsyncTraces: true, name: "igdm-test" });
}

/** Removes every stream, and every KV bucket's stream, whose name starts with the namespace's prefix. */
export async function deleteNamespaceStreams(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const prefix = `${namespace.toUpperCase()}_`;
  for await (const name of jsm.streams.names()) {
    if (name.startsWith(prefix) || name.startsWith(`KV_${prefix}`)) await jsm.streams.delete(name);
  }
}

export interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: Record<string, string[]>;
  json<T = unknown>(): T;
}

/** Every message currently in a stream, in sequence order (direct gets: no consumer is created). */
export async function readStream(nc: NatsConnection, stream: string): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(stream);
  const out: StoredMessage[] = [];
  if (state.messages === 0) return out;
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m) continue;
    const headers: Record<string, string[]> = {};
    if (m.header) for (const k of m.header.keys()) headers[k] = m.header.values(k);
    out.push({ seq: m.seq, subject: m.subject, data: m.data, headers, json: () => m.json() });
  }
  return out;
}
