/** JetStream's API and the NATS CLI's JSON files express durations in nanoseconds. */
export const nanos = (ms: number): number => Math.round(ms * 1_000_000);

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
