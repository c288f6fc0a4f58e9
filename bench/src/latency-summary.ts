import { percentile } from "./stats.js";

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max in whole milliseconds (a loop, not Math.max(...v): tens of thousands of arguments overflow). */
export function latencySummary(values: number[]): LatencySummary {
  let max = Number.NaN;
  for (const v of values) if (!(v <= max)) max = v;
  return { p50: Math.round(percentile(values, 50)), p99: Math.round(percentile(values, 99)), max: Math.round(max) };
}

export const formatLatency = (l: LatencySummary) => `p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms`;
