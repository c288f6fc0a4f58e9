import type { MetaErrorSpec } from "./errors.js";

/**
 * Which requests an injected fault hits: `path` is tested against the request path as sent, with its host prefix
 * and version and without the query (`/graph/v21.0/20000000000001/messages`); `method` is case-insensitive.
 */
export interface FaultMatch {
  method?: string;
  path: RegExp;
}

export interface PendingFault {
  readonly match: FaultMatch;
  readonly error: MetaErrorSpec;
  remaining: number;
}

/** Faults queued by `state.failNext`, consumed in the order they were added. */
export class FaultQueue {
  readonly #faults: PendingFault[] = [];

  add(match: FaultMatch, error: MetaErrorSpec): void {
    const times = error.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new Error(`failNext: times must be a positive integer, got ${times}`);
    this.#faults.push({ match, error, remaining: times });
  }

  /** The fault this request should receive, if any; each hit uses up one of its `times`. */
  take(method: string, path: string): MetaErrorSpec | undefined {
    const index = this.#faults.findIndex((f) => matches(f.match, method, path));
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault.error;
  }

  get pending(): readonly PendingFault[] {
    return this.#faults;
  }

  clear(): void {
    this.#faults.length = 0;
  }
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
  match.path.lastIndex = 0; // a /g or /y regex keeps state between test() calls
  return match.path.test(path);
}
