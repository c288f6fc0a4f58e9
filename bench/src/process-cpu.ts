import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return Number.NaN;
  }
}

export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return Number.NaN;
  }
}

/** The highest RSS (MB) each named process reached, sampled every `intervalMs` until `stop()`. */
export function watchPeakRss(processes: { name: string; pid: number | undefined }[], intervalMs = 500) {
  const peak: Record<string, number> = Object.fromEntries(processes.map((p) => [p.name, rssMb(p.pid)]));
  const timer = setInterval(() => {
    for (const p of processes) peak[p.name] = Math.max(peak[p.name] ?? 0, rssMb(p.pid));
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      for (const p of processes) peak[p.name] = Math.max(peak[p.name] ?? 0, rssMb(p.pid));
      return peak;
    },
  };
}

/** CPU seconds used so far by every process whose command name (/proc/<pid>/comm) is `command`, e.g. postgres. */
export function cpuSecondsOfCommand(command: string): number {
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === command) total += cpuSeconds(Number(pid)) || 0;
    } catch {
      // The process ended while listed.
    }
  }
  return total;
}

/** Busy and total CPU time of the whole machine so far (seconds summed over cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}
