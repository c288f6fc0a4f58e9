import { errorMessage } from "../errors.js";
import { withDeadline } from "./deadline.js";

export interface CheckResult {
  ok: boolean;
  /** Why it failed (or a note when it passed); short, never a secret. */
  detail?: string;
}

/** `checks` names every dependency looked at (nats, consumers, database, …) and whether it passed. */
export interface ReadinessResult {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** Resolves when the dependency is usable (optionally with a note); throws or rejects with the reason when not. */
export type ReadinessCheck = () => Promise<string | void>;

export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/** Runs every check at once, each bounded by `timeoutMs`, so a hung dependency makes readiness false, not slow. */
export async function runReadinessChecks(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = DEFAULT_CHECK_TIMEOUT_MS,
): Promise<ReadinessResult> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      try {
        const note = await withDeadline(
          Promise.resolve().then(() => check()),
          timeoutMs,
          name,
        );
        return [name, note ? { ok: true, detail: note } : { ok: true }];
      } catch (err) {
        return [name, { ok: false, detail: safeDetail(err) }];
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}

/** One result from several (a worker's NATS checks and a service's own): ready only when all are. */
export function mergeReadiness(...results: ReadinessResult[]): ReadinessResult {
  const checks = Object.assign({}, ...results.map((r) => r.checks)) as Record<string, CheckResult>;
  return { ready: results.every((r) => r.ready), checks };
}

/** A single failed check, e.g. while the service is still connecting. */
export function notReady(check: string, detail: string): ReadinessResult {
  return { ready: false, checks: { [check]: { ok: false, detail } } };
}

/** An error's message without credentials in URLs, cut short: readiness answers are for probes and operators. */
export function safeDetail(err: unknown): string {
  const message = errorMessage(err).replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1[redacted]@");
  return message.length > 200 ? `${message.slice(0, 197)}...` : message;
}
