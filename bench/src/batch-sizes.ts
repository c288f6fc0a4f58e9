import type { ServiceProcess } from "@igdm/testkit";

/** Batches handled and messages settled so far, by durable, summed over the given services (their /metrics). */
export type BatchCounts = Record<string, { batches: number; messages: number }>;

const opsUrl = (s: ServiceProcess) => /"url":"(http:\/\/[^"]+)","endpoints"/.exec(s.output())?.[1];

export async function batchCounts(services: ServiceProcess[]): Promise<BatchCounts> {
  const counts: BatchCounts = {};
  const entry = (durable: string) => {
    counts[durable] ??= { batches: 0, messages: 0 };
    return counts[durable];
  };
  for (const s of services) {
    const url = opsUrl(s);
    if (!url) continue;
    const text = await (await fetch(`${url}/metrics`)).text();
    // Labels in any order (every series also carries the service's own label).
    for (const m of text.matchAll(
      /^(igdm_batch_duration_seconds_count|igdm_messages_processed_total)\{([^}]*)\} (\d+)/gm,
    )) {
      const durable = /durable="([^"]+)"/.exec(m[2]!)?.[1];
      if (!durable) continue;
      if (m[1] === "igdm_batch_duration_seconds_count") entry(durable).batches += Number(m[3]);
      else entry(durable).messages += Number(m[3]);
    }
  }
  return counts;
}

/** Average messages per batch between two snapshots, by durable (durables that handled nothing left out). */
export function averageBatch(before: BatchCounts, after: BatchCounts): Record<string, number> {
  const avg: Record<string, number> = {};
  for (const [durable, a] of Object.entries(after)) {
    const batches = a.batches - (before[durable]?.batches ?? 0);
    const messages = a.messages - (before[durable]?.messages ?? 0);
    if (batches > 0) avg[durable] = Math.round((messages / batches) * 10) / 10;
  }
  return avg;
}
