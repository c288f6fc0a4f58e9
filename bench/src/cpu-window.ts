import { cpus } from "node:os";
import { cpuSeconds, cpuSecondsOfCommand, machineCpu } from "./process-cpu.js";
import { round } from "./stats.js";

export interface CpuWindow {
  seconds: number;
  /** Cores each named process used on average (1.0 = one core). */
  processes: Record<string, number>;
  /** This process: the load generator and whatever else the bench runs in it (the Meta sandbox). */
  bench: number;
  natsServer: number;
  /** Every PostgreSQL process together. */
  postgres: number;
  /** The whole machine, out of `machineCores`. */
  machineBusy: number;
  machineCores: number;
  /** Busy beyond all of the above: other work on a shared machine. */
  otherProcesses: number;
}

/** Starts measuring CPU use; `stop()` averages it over the time since. NATS and PostgreSQL may serve others too. */
export function startCpuWindow(processes: { name: string; pid: number | undefined }[]) {
  const snapshot = () => ({
    at: performance.now(),
    processes: processes.map((p) => cpuSeconds(p.pid)),
    bench: process.cpuUsage(),
    nats: cpuSecondsOfCommand("nats-server"),
    postgres: cpuSecondsOfCommand("postgres"),
    machine: machineCpu().busy,
  });
  const before = snapshot();
  return {
    stop: (): CpuWindow => {
      const after = snapshot();
      const seconds = (after.at - before.at) / 1000;
      const cores = (used: number) => used / seconds;
      const perProcess = processes.map((p, i) => [p.name, cores(after.processes[i]! - before.processes[i]!)] as const);
      const bench = cores((after.bench.user - before.bench.user + after.bench.system - before.bench.system) / 1e6);
      const natsServer = cores(after.nats - before.nats);
      const postgres = cores(after.postgres - before.postgres);
      const machineBusy = cores(after.machine - before.machine);
      const ours = bench + natsServer + postgres + perProcess.reduce((sum, [, c]) => sum + c, 0);
      return {
        seconds: round(seconds, 1),
        processes: Object.fromEntries(perProcess.map(([name, c]) => [name, round(c, 2)])),
        bench: round(bench, 2),
        natsServer: round(natsServer, 2),
        postgres: round(postgres, 2),
        machineBusy: round(machineBusy, 2),
        machineCores: cpus().length,
        otherProcesses: round(Math.max(0, machineBusy - ours), 2),
      };
    },
  };
}
