import type { MetaErrorSpec } from "./errors.js";

/**
 * Which requests an injected fault hits: `path` is tested against the request path as sent, with its host prefix
 * and version and without the query (`/graph/v21.0/20000000000001/messages`); `method` is case-insensitive.
 */
export interface FaultMatch {
  method?: string;
  path: RegExp;
}

/**
 * A slow or lost answer, queued by `state.delayNext`. Both cases look the same to a client whose timeout is shorter
 * than `ms` (no answer: got's ETIMEDOUT), which is the point: the client cannot tell whether Meta acted.
 *
 * - `deliver: true` (default), "Meta acted, the answer came too late": the request is processed normally (a Send API
 *   message IS recorded in `sentMessages`, as Meta would deliver it to the user) and its answer is held back `ms`
 *   milliseconds. Models a slow Graph backend or a reply lost on the way back. Retrying sends a duplicate.
 * - `deliver: false`, "Meta never acted": the request is never processed (nothing is recorded, its logged body stays
 *   undefined) and after `ms` the connection is destroyed without any answer. Models a request stalled or dropped
 *   before Meta's backend read it (a hung proxy, a dead connection). Retrying is what delivers the message.
 *
 * A held answer is released early when its client goes away, and dropped when the sandbox closes.
 */
export interface DelaySpec {
  ms: number;
  times?: number;
  deliver?: boolean;
}

/** What a matching request receives instead of its normal, prompt answer. */
export type Fault =
  | { readonly kind: "error"; readonly error: MetaErrorSpec }
  | { readonly kind: "delay"; readonly delay: Readonly<Required<Omit<DelaySpec, "times">>> };

export type PendingFault = Fault & {
  readonly match: FaultMatch;
  remaining: number;
};

/** setTimeout's largest delay; anything longer would fire at once. */
const MAX_DELAY_MS = 2_147_483_647;

/** Faults queued by `state.failNext` and `state.delayNext`, consumed in the order they were added. */
export class FaultQueue {
  readonly #faults: PendingFault[] = [];

  add(match: FaultMatch, error: MetaErrorSpec): void {
    this.#faults.push({ kind: "error", match, error, remaining: checkedTimes("failNext", error.times) });
  }

  addDelay(match: FaultMatch, spec: DelaySpec): void {
    const remaining = checkedTimes("delayNext", spec.times);
    if (!Number.isInteger(spec.ms) || spec.ms < 0 || spec.ms > MAX_DELAY_MS)
      throw new Error(`delayNext: ms must be an integer from 0 to ${MAX_DELAY_MS}, got ${spec.ms}`);
    this.#faults.push({ kind: "delay", match, delay: { ms: spec.ms, deliver: spec.deliver ?? true }, remaining });
  }

  /** The fault this request should receive, if any; each hit uses up one of its `times`. */
  take(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((f) => matches(f.match, method, path));
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault.kind === "error" ? { kind: "error", error: fault.error } : { kind: "delay", delay: fault.delay };
  }

  get pending(): readonly PendingFault[] {
    return this.#faults;
  }

  clear(): void {
    this.#faults.length = 0;
  }
}

function checkedTimes(caller: string, times = 1): number {
  if (!Number.isInteger(times) || times < 1)
    throw new Error(`${caller}: times must be a positive integer, got ${times}`);
  return times;
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
  match.path.lastIndex = 0; // a /g or /y regex keeps state between test() calls
  return match.path.test(path);
}
