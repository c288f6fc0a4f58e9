/** Anything below this is taken as seconds: 1e12 ms is September 2001, 1e12 s is far beyond any real date. */
const SECONDS_BELOW = 1e12;
/** The last millisecond an ISO 8601 string with a four-digit year can hold (9999-12-31T23:59:59.999Z). */
const MAX_ISO_MS = 253_402_300_799_999;
const NUMERIC = /^\d+(\.\d+)?$/;

/**
 * Epoch milliseconds from a Meta timestamp: messaging `timestamp` is ms, `entry.time` may be seconds for changes,
 * and the dashboard's test event sends a numeric string. Undefined when it is none of those.
 */
export function toEpochMs(value: unknown): number | undefined {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && NUMERIC.test(value)) n = Number(value);
  if (n === undefined || !Number.isFinite(n) || n < 0) return undefined;
  const ms = Math.trunc(n < SECONDS_BELOW ? n * 1000 : n);
  return ms <= MAX_ISO_MS ? ms : undefined;
}

/** The first candidate that is a usable timestamp, as an ISO string; `fallback` (receivedAt) otherwise. */
export function occurredAt(candidates: readonly unknown[], fallback: string): string {
  for (const candidate of candidates) {
    const ms = toEpochMs(candidate);
    if (ms !== undefined) return new Date(ms).toISOString();
  }
  return fallback;
}

/** A timestamp as an id segment: normalised ms so "1527459824" and 1527459824000 agree; '' when unusable. */
export function timestampKey(value: unknown): string {
  const ms = toEpochMs(value);
  return ms === undefined ? "" : String(ms);
}
