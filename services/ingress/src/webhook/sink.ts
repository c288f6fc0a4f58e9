import { RawWebhook, type StreamDefinition, type Topology } from "@igdm/contracts";
import {
  ConnectionState,
  connectNats,
  ensureTopology,
  errorMessage,
  type Logger,
  type NatsConnection,
  type NatsOptions,
  publishTyped,
} from "@igdm/runtime";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { errors } from "../http-error.js";

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

/** Where verified webhooks go. `available` is false while the broker is known to be down: answer 503 at once. */
export interface WebhookSink {
  readonly available: boolean;
  publish(raw: RawWebhook): Promise<PublishResult>;
  readiness(): Promise<{ ready: boolean; reason?: string }>;
  close(): Promise<void>;
}

interface Link {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  state: ConnectionState;
}

/**
 * Publishes raw webhooks to JetStream. Connecting happens in the background so the HTTP server can answer
 * (503 until NATS is reachable, then 200s) instead of crash-looping while the broker is down.
 */
export class JetStreamWebhookSink implements WebhookSink {
  #link: Link | undefined;
  #closed = false;

  constructor(
    private readonly topology: Topology,
    private readonly streams: StreamDefinition[],
    private readonly publishTimeoutMs: number,
    private readonly log: Logger,
  ) {}

  /** Resolves once connected and the WEBHOOKS stream exists; keeps retrying until then. */
  async connect(opts: NatsOptions): Promise<void> {
    const nc = await connectNats(opts, this.log);
    if (this.#closed) {
      await nc.close();
      return;
    }
    const jsm = await jetstreamManager(nc);
    for (let attempt = 1; !this.#closed; attempt++) {
      try {
        await ensureTopology(jsm, { streams: this.streams }, this.log);
        break;
      } catch (err) {
        this.log.error({ err, attempt }, "cannot set up streams yet; retrying");
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      }
    }
    this.#link = { nc, js: jetstream(nc), jsm, state: new ConnectionState(nc, this.log) };
  }

  get available(): boolean {
    return this.#link?.state.connected ?? false;
  }

  /** The live connection, for request/reply; undefined until connected. */
  get connection(): NatsConnection | undefined {
    return this.#link?.state.connected ? this.#link.nc : undefined;
  }

  async publish(raw: RawWebhook): Promise<PublishResult> {
    const link = this.#link;
    if (!link?.state.connected) throw errors.brokerUnavailable();
    try {
      const ack = await publishTyped(link.js, this.topology.subjects.rawWebhook, RawWebhook, raw, {
        msgID: raw.id,
        timeoutMs: this.publishTimeoutMs,
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw errors.publishFailed(err);
    }
  }

  async readiness(): Promise<{ ready: boolean; reason?: string }> {
    const link = this.#link;
    if (!link) return { ready: false, reason: "NATS not connected yet" };
    if (!link.state.connected) return { ready: false, reason: "NATS disconnected" };
    try {
      await link.jsm.streams.info(this.topology.streams.webhooks);
      return { ready: true };
    } catch (err) {
      return { ready: false, reason: `stream unreachable: ${errorMessage(err)}` };
    }
  }

  /** Flushes pending publishes and closes; safe before the first connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#link?.nc.drain();
  }
}
