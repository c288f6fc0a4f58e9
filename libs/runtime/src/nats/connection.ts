import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { CommonEnv } from "../env.js";

export type { NatsConnection };

export interface NatsOptions {
  url: string;
  /** The service's name: the connection's name on the server and, unless `inboxPrefix` says otherwise, its inboxes. */
  name: string;
  /** Prefix of every reply subject this connection listens on; `_INBOX_<name>` by default. */
  inboxPrefix?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  credsFile?: string | undefined;
}

export function natsOptionsFromEnv(env: CommonEnv, name: string): NatsOptions {
  return { url: env.NATS_URL, name, user: env.NATS_USER, password: env.NATS_PASSWORD, credsFile: env.NATS_CREDS_FILE };
}

/**
 * The reply subjects of a service: `_INBOX_<service>.…` instead of the shared `_INBOX.…`, so its NATS user may be
 * allowed to subscribe to its own replies only (deploy/nats/nats.conf). Requests, JetStream publish acks, API calls,
 * KV reads and pull consumers all take their inboxes from the connection's prefix.
 */
export function serviceInboxPrefix(name: string): string {
  // One subject token: no dots, wildcards or whitespace, so a permission `_INBOX_<name>.>` matches exactly these.
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`"${name}" cannot name an inbox: use letters, digits, _ and -`);
  return `_INBOX_${name}`;
}

/**
 * Connects with the settings every service needs: reconnect forever (the default of 10 attempts closes the
 * connection for good), no async stack traces (about twice the publish throughput) and the service's own inbox
 * prefix. With `waitOnFirstConnect` a service started before NATS keeps trying instead of failing.
 */
export async function connectNats(opts: NatsOptions, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.url.split(",").map((s) => s.trim()),
    name: opts.name,
    inboxPrefix: opts.inboxPrefix ?? serviceInboxPrefix(opts.name),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    noAsyncTraces: true,
    ...(opts.user ? { user: opts.user, pass: opts.password } : {}),
    ...(opts.credsFile ? { authenticator: credsAuthenticator(readFileSync(opts.credsFile)) } : {}),
  });
  log.info({ server: nc.getServer() }, "connected to NATS");
  return nc;
}

/**
 * Tracks whether the connection is up right now, so request paths can fail fast instead of waiting for a
 * publish timeout while NATS is known to be gone.
 */
export class ConnectionState {
  #connected = true;
  readonly #listeners = new Set<(connected: boolean) => void>();

  constructor(nc: NatsConnection, log: Logger) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect") {
          this.#set(false);
          log.warn({ server: s.server }, "disconnected from NATS");
        } else if (s.type === "reconnect") {
          this.#set(true);
          log.info({ server: s.server }, "reconnected to NATS");
        } else if (s.type === "error") {
          log.error({ err: s.error }, "NATS connection error");
        }
      }
    })();
    void nc.closed().then(() => this.#set(false));
  }

  get connected(): boolean {
    return this.#connected;
  }

  onChange(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(connected: boolean) {
    if (this.#connected === connected) return;
    this.#connected = connected;
    for (const l of this.#listeners) l(connected);
  }
}
