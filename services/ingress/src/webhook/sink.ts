import { type RawWebhook, type StreamDefinition, type Topology, UserCallback } from "@igdm/contracts";
import {
  ConnectionState,
  connectNats,
  ensureTopology,
  errorMessage,
  type Logger,
  type NatsConnection,
  type NatsOptions,
  serviceInboxPrefix,
} from "@igdm/runtime";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { errors } from "../http-error.js";
import { JetStreamAckPublisher } from "./ack-publisher.js";
import { sameTurn } from "./publish-turn.js";

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
  publisher: JetStreamAckPublisher;
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
  readonly #publishTurn = sameTurn();

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
    const publisher = new JetStreamAckPublisher(
      nc,
      opts.inboxPrefix ?? serviceInboxPrefix(opts.name),
      this.publishTimeoutMs,
    );
    this.#link = { nc, publisher, jsm, state: new ConnectionState(nc, this.log) };
  }

  get available(): boolean {
    return this.#link?.state.connected ?? false;
  }

  /** The live connection, for request/reply; undefined until connected. */
  get connection(): NatsConnection | undefined {
    return this.#link?.state.connected ? this.#link.nc : undefined;
  }

  /**
   * Not parsed against RawWebhook again: the one caller passes toRawWebhook's envelope, valid by construction (see
   * raw-webhook.ts); parsing it cost a few per cent of every webhook (profiled) and could never fail.
   */
  publish(raw: RawWebhook): Promise<PublishResult> {
    return this.#send(this.topology.subjects.rawWebhook, raw, raw.id);
  }

  publishUserCallback(callback: UserCallback): Promise<PublishResult> {
    // Parsed outside #send's try: a payload that breaks its contract is a bug here, not a broker failure (no 503).
    const valid = UserCallback.parse(callback);
    return this.#send(this.topology.subjects.userCallback(callback.kind), valid, `${callback.kind}:${callback.id}`);
  }

  async #send(subject: string, payload: unknown, msgID: string): Promise<PublishResult> {
    const data = Buffer.from(JSON.stringify(payload));
    // Publishes of one event-loop turn leave in one socket write (see publish-turn.ts).
    await this.#publishTurn();
    // Checked after the wait: the routes checked `available` before calling, but the connection may drop meanwhile.
    const link = this.#link;
    if (!link?.state.connected) throw errors.brokerUnavailable();
    try {
      const ack = await link.publisher.publish(subject, data, msgID);
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
    this.#link?.publisher.close();
  }
}
