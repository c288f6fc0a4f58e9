import { RawWebhook, type StreamDefinition, type Topology, UserCallback } from "@igdm/contracts";
import {
  ConnectionState,
  connectNats,
  ensureTopology,
  errorMessage,
  type Logger,
  type NatsConnection,
  type NatsOptions,
  publishValidated,
} from "@igdm/runtime";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { z } from "zod";
import { errors } from "../http-error.js";

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

/**
 * Where verified webhooks and Meta's user callbacks (deauthorize, data deletion) go, both into the WEBHOOKS stream.
 * `available` is false while the broker is known to be down: answer 503 at once.
 */
export interface WebhookSink {
  readonly available: boolean;
  publish(raw: RawWebhook): Promise<PublishResult>;
  /**
   * Publishes on `userCallback(kind)` with `<kind>:<id>` as the message id: Meta's retries store once, while a
   * deauthorize and a deletion carrying the very same signed_request (same user, same second) are both kept.
   */
  publishUserCallback(callback: UserCallback): Promise<PublishResult>;
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

  publish(raw: RawWebhook): Promise<PublishResult> {
    return this.#publish(this.topology.subjects.rawWebhook, RawWebhook, raw, raw.id);
  }

  publishUserCallback(callback: UserCallback): Promise<PublishResult> {
    const subject = this.topology.subjects.userCallback(callback.kind);
    return this.#publish(subject, UserCallback, callback, `${callback.kind}:${callback.id}`);
  }

  async #publish<S extends z.ZodType>(
    subject: string,
    schema: S,
    payload: z.input<S>,
    msgID: string,
  ): Promise<PublishResult> {
    const link = this.#link;
    if (!link?.state.connected) throw errors.brokerUnavailable();
    // A payload that breaks its contract is a bug here, not a broker failure: it must not become a 503.
    const valid = schema.parse(payload);
    try {
      const ack = await publishValidated(link.js, subject, valid, { msgID, timeoutMs: this.publishTimeoutMs });
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
