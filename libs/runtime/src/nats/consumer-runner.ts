import type { ConsumerDefinition } from "@igdm/contracts";
import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { z } from "zod";
import { errorMessage, PermanentError, TransientError } from "../errors.js";
import {
  batchDuration,
  deadLetters,
  type MessageOutcome,
  messageLatency,
  messagesProcessed,
  secondsSinceStored,
} from "../observability/consumer-metrics.js";
import { backoffDelay } from "../retry.js";
import { deadLetter } from "./dead-letter.js";

export interface Delivery<T> {
  data: T;
  msg: JsMsg;
  subject: string;
  streamSeq: number;
  deliveryCount: number;
}

/** Messages of a batch that failed on their own; the rest of the batch is acked. */
export type BatchFailures<T> = Array<{ delivery: Delivery<T>; error: unknown }>;

export interface ConsumerRunnerOptions<S extends z.ZodType> {
  service: string;
  js: JetStreamClient;
  definition: ConsumerDefinition;
  schema: S;
  /**
   * What the schema parses: the payload as JSON (the default; a message that is not JSON is dead-lettered), or its
   * raw bytes (a Uint8Array), for a consumer that must keep any message: the dead-letter store, which would loop if
   * it dead-lettered.
   */
  payload?: "json" | "bytes";
  dlqSubject: string;
  log: Logger;
  /** Handle up to this many messages in one call (e.g. one database transaction). */
  maxBatch?: number;
  /**
   * Batches handled at once (default 1: one after the other). More suits handlers whose messages are independent
   * and spend their time waiting (network round trips): a slow message then holds back only its own batch.
   */
  concurrency?: number;
  /**
   * Resolve: every message of the batch is acked. Throw TransientError (a dependency is down): every message is
   * retried later with backoff, however often `max_deliver` allows. Any other error on a batch of several: each
   * message is handled alone, so one poison message cannot hold back the rest. Alone, a PermanentError is
   * dead-lettered at once and any other error after `maxUnclassifiedAttempts` deliveries.
   * Returning failures settles just those messages the same way and acks the others.
   */
  handle: (batch: Delivery<z.output<S>>[]) => Promise<void | BatchFailures<z.output<S>>>;
  retryDelayMs?: (deliveryCount: number) => number;
  /** Deliveries before an error that is neither transient nor permanent is given up on (a bug, a poison pill). */
  maxUnclassifiedAttempts?: number;
  /**
   * A batch still unfinished after this long is retried as a transient failure, so one call that never settles
   * (a socket that died without an error) cannot stall the consumer. Keep it below the durable's ack_wait.
   */
  handlerTimeoutMs?: number;
}

export interface ConsumerStats {
  handled: number;
  retried: number;
  deadLettered: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A durable pull consumer's worker loop. Messages are pulled continuously and handed over in batches of what
 * has arrived while the previous batch was being handled: one message at a time when idle (low latency), large
 * batches under load (throughput); with `concurrency`, several batches at once. Every message ends acked, nak'ed
 * with a delay, or dead-lettered with a reason (or, should settling itself fail, comes back after ack_wait).
 */
export class ConsumerRunner<S extends z.ZodType> {
  readonly stats: ConsumerStats = { handled: 0, retried: 0, deadLettered: 0 };
  readonly #o: Required<Omit<ConsumerRunnerOptions<S>, "retryDelayMs">> & {
    retryDelayMs: (n: number) => number;
  };
  readonly #queue: JsMsg[] = [];
  readonly #log: Logger;
  #messages: ConsumerMessages | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  #fillScheduled = false;
  /** Resumes a pump that stopped reading while the queue was full, once a batch leaves the queue. */
  #room: (() => void) | undefined;
  /** Callers of stop() waiting for every received message to be settled. */
  readonly #idleWaiters: (() => void)[] = [];
  #running = false;
  #pumping = false;
  #loop: Promise<void> | undefined;
  readonly #durable: string;
  /** Bound to this durable once: no label lookup per message on the hot path. */
  readonly #latency: ReturnType<typeof messageLatency.labels>;
  readonly #batchDuration: ReturnType<typeof batchDuration.labels>;

  constructor(opts: ConsumerRunnerOptions<S>) {
    this.#o = {
      maxBatch: 1,
      concurrency: 1,
      retryDelayMs: (n) => backoffDelay(n),
      maxUnclassifiedAttempts: 10,
      handlerTimeoutMs: 20_000,
      payload: "json",
      ...opts,
    };
    this.#durable = opts.definition.config.durable_name;
    this.#log = opts.log.child({ consumer: this.#durable });
    this.#latency = messageLatency.labels({ durable: this.#durable });
    this.#batchDuration = batchDuration.labels({ durable: this.#durable });
  }

  /** True while the consume loop runs (readiness: a loop that ended on an error reads nothing any more). */
  get active(): boolean {
    return this.#running && this.#pumping;
  }

  /** Starts consuming in the background; resolves once the first pull is under way. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const { stream, config } = this.#o.definition;
    const consumer = await this.#o.js.consumers.get(stream, config.durable_name);
    // Enough pulled ahead to fill every batch slot and queue the next round, so the server is never waited for.
    const ahead = this.#o.maxBatch * (this.#o.concurrency + 1);
    this.#messages = await consumer.consume({ max_messages: Math.max(ahead, 64) });
    this.#pumping = true;
    this.#loop = this.#pump(this.#messages);
    this.#log.info({ stream }, "consuming");
  }

  /** Stops pulling, finishes what was already received, and resolves when every message is settled. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    await this.#messages?.close();
    await this.#loop;
    if (!this.#idle()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  async #pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        this.#queue.push(m);
        this.#scheduleFill();
        // Backpressure: stop reading while a few batches are queued; the client then stops pulling.
        while (this.#queue.length >= this.#o.maxBatch * 4) {
          await new Promise<void>((resolve) => {
            this.#room = resolve;
          });
        }
      }
    } catch (err) {
      this.#log.error({ err }, "consumer stopped with an error");
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Batches start on the next turn of the event loop, not at once: every message of the same socket read joins
   * the first batch, instead of the first going alone and the rest waiting for its round trips.
   */
  #scheduleFill(): void {
    if (this.#fillScheduled) return;
    this.#fillScheduled = true;
    setImmediate(() => {
      this.#fillScheduled = false;
      this.#fill();
    });
  }

  /** Starts batches from the queue while fewer than `concurrency` are in flight; called again as each ends. */
  #fill(): void {
    while (this.#queue.length > 0 && this.#inFlight.size < this.#o.concurrency) {
      const batch = this.#queue.splice(0, this.#o.maxBatch);
      const done: Promise<void> = this.#process(batch)
        .catch((err: unknown) => {
          // Unsettled messages come back after ack_wait; the consumer keeps going.
          this.#log.error({ err, size: batch.length }, "batch could not be settled");
        })
        .finally(() => {
          this.#inFlight.delete(done);
          this.#fill();
        });
      this.#inFlight.add(done);
      this.#room?.();
      this.#room = undefined;
    }
    if (this.#idle()) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #idle(): boolean {
    return this.#queue.length === 0 && this.#inFlight.size === 0 && !this.#fillScheduled;
  }

  async #process(msgs: JsMsg[]): Promise<void> {
    const started = performance.now();
    const deliveries: Delivery<z.output<S>>[] = [];
    for (const msg of msgs) {
      const parsed = this.#decode(msg);
      if (parsed.ok) deliveries.push(parsed.delivery);
      else await this.#deadLetter(msg, parsed.reason);
    }
    if (deliveries.length > 0) await this.#handle(deliveries);
    this.#batchDuration.observe((performance.now() - started) / 1000);
  }

  #decode(msg: JsMsg): { ok: true; delivery: Delivery<z.output<S>> } | { ok: false; reason: string } {
    let json: unknown = msg.data;
    if (this.#o.payload === "json") {
      try {
        json = JSON.parse(decoder.decode(msg.data));
      } catch (err) {
        return { ok: false, reason: `payload is not JSON: ${errorMessage(err)}` };
      }
    }
    const result = this.#o.schema.safeParse(json);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      return { ok: false, reason: `payload does not match its contract: ${issues}` };
    }
    const info = msg.info;
    return {
      ok: true,
      delivery: {
        data: result.data,
        msg,
        subject: msg.subject,
        streamSeq: info.streamSequence,
        deliveryCount: info.deliveryCount,
      },
    };
  }

  async #handle(batch: Delivery<z.output<S>>[]): Promise<void> {
    let failures: BatchFailures<z.output<S>> | void;
    try {
      failures = await withTimeout(this.#o.handle(batch), this.#o.handlerTimeoutMs);
    } catch (err) {
      if (batch.length > 1 && !(err instanceof TransientError)) {
        this.#log.warn({ err, size: batch.length }, "batch failed; handling its messages one by one");
        for (const d of batch) await this.#handle([d]);
        return;
      }
      // One line per failed batch, not per message: a database outage must not become a log storm.
      this.#log.warn(
        { err: errorMessage(err), code: (err as { code?: unknown }).code, size: batch.length },
        "batch failed",
      );
      for (const d of batch) await this.#settleFailure(d, err);
      return;
    }
    const failed = new Set<Delivery<z.output<S>>>();
    for (const { delivery, error } of failures ?? []) {
      failed.add(delivery);
      await this.#settleFailure(delivery, error);
    }
    const now = Date.now();
    for (const d of batch) {
      if (failed.has(d)) continue;
      d.msg.ack();
      this.#latency.observe(secondsSinceStored(d.msg, now));
    }
    this.#count("ack", batch.length - failed.size);
    this.stats.handled += batch.length - failed.size;
    this.#log.debug({ handled: batch.length - failed.size, failed: failed.size }, "batch handled");
  }

  async #settleFailure(d: Delivery<z.output<S>>, err: unknown): Promise<void> {
    const maxDeliver = this.#o.definition.config.max_deliver;
    const cap = maxDeliver > 0 ? maxDeliver : Number.POSITIVE_INFINITY;
    const limit = err instanceof TransientError ? cap : Math.min(cap, this.#o.maxUnclassifiedAttempts);
    if (err instanceof PermanentError) {
      await this.#deadLetter(d.msg, errorMessage(err));
    } else if (d.deliveryCount >= limit) {
      await this.#deadLetter(d.msg, `gave up after ${d.deliveryCount} deliveries: ${errorMessage(err)}`);
    } else {
      d.msg.nak(this.#o.retryDelayMs(d.deliveryCount));
      this.stats.retried++;
      this.#count("retry");
    }
  }

  async #deadLetter(msg: JsMsg, reason: string): Promise<void> {
    try {
      await deadLetter(this.#o.js, this.#o.dlqSubject, this.#o.service, msg, reason);
      this.stats.deadLettered++;
      this.#count("dead_letter");
      deadLetters.inc({ durable: this.#durable });
      this.#log.error({ seq: msg.info.streamSequence, subject: msg.subject, reason }, "dead-lettered");
    } catch (err) {
      // The DLQ is unreachable: keep the message, try again later.
      this.#log.error({ err, seq: msg.info.streamSequence }, "dead-lettering failed; will retry");
      msg.nak(this.#o.retryDelayMs(msg.info.deliveryCount));
      this.#count("retry");
    }
  }

  #count(outcome: MessageOutcome, n = 1): void {
    if (n > 0) messagesProcessed.inc({ durable: this.#durable, outcome }, n);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransientError(`handler did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
