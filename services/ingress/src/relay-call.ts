import type { NatsConnection } from "@igdm/runtime";

export const UNAVAILABLE = { ok: false as const, code: "IGDM_ERR_UNAVAILABLE", message: "temporarily unavailable" };

/**
 * Runs a request/reply call on the live connection. No connection, no responder, a timeout, or an answer that
 * breaks the contract all mean the same to a caller: temporarily unavailable, try again later.
 */
export function relayCaller(connection: () => NatsConnection | undefined) {
  return async <T>(run: (nc: NatsConnection) => Promise<T>): Promise<T | typeof UNAVAILABLE> => {
    const nc = connection();
    if (!nc) return UNAVAILABLE;
    try {
      return await run(nc);
    } catch {
      return UNAVAILABLE;
    }
  };
}
