import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { CommonEnv } from "../env.js";

export type { NatsConnection };

export interface NatsOptions {
  url: string;
  name: string;
  user?: string | undefined;
  password?: string | undefined;
  credsFile?: string | undefined;
}

export function natsOptionsFromEnv(env: CommonEnv, name: string): NatsOptions {
  return { url: env.NATS_URL, name, user: env.NATS_USER, password: env.NATS_PASSWORD, credsFile: env.NATS_CREDS_FILE };
}

/**
 * Connects with the settings every service needs: reconnect forever (the default of 10 attempts closes the
 * connection for good) and no async stack traces (about twice the publish throughput). With
 * `waitOnFirstConnect` a service started before NATS keeps trying instead of failing.
 */
export async function connectNats(opts: NatsOptions, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.url.split(",").map((s) => s.trim()),
    name: opts.name,
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
