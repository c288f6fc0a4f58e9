import type { NatsConnection } from "@igdm/runtime";

/** No connection to NATS, nobody subscribed to the subject, or an answer that breaks the contract: 503. */
export const UNAVAILABLE = { ok: false as const, code: "IGDM_ERR_UNAVAILABLE", message: "temporarily unavailable" };

/** Somebody is subscribed but did not answer in time (busy or hung): 504. */
export const UPSTREAM_TIMEOUT = {
  ok: false as const,
  code: "IGDM_ERR_UPSTREAM_TIMEOUT",
  message: "no answer in time",
};

export type RelayFailure = typeof UNAVAILABLE | typeof UPSTREAM_TIMEOUT;

/** The HTTP status of a relay failure's code, for the maps that turn answers into statuses. */
export const RELAY_STATUS: Record<RelayFailure["code"], number> = {
  IGDM_ERR_UNAVAILABLE: 503,
  IGDM_ERR_UPSTREAM_TIMEOUT: 504,
};

/** True when the error, or one of its causes, is the NATS client's request timeout. */
function isTimeout(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    // By name, not class: a second copy of @nats-io/nats-core in node_modules would defeat `instanceof`.
    if (e.name === "TimeoutError") return true;
  }
  return false;
}

/**
 * Runs a request/reply call on the live connection. A timeout means a responder exists but is busy or hung
 * (UPSTREAM_TIMEOUT); no connection, no responder (NATS answers at once), or an answer that breaks the contract
 * mean temporarily unavailable. Either way the caller may try again later.
 */
export function relayCaller(connection: () => NatsConnection | undefined) {
  return async <T>(run: (nc: NatsConnection) => Promise<T>): Promise<T | RelayFailure> => {
    const nc = connection();
    if (!nc) return UNAVAILABLE;
    try {
      return await run(nc);
    } catch (err) {
      return isTimeout(err) ? UPSTREAM_TIMEOUT : UNAVAILABLE;
    }
  };
}
