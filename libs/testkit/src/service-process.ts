import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { waitFor } from "./ports.js";

const repoRoot = resolve(import.meta.dirname, "../../..");

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far (JSON log lines). */
  output(): string;
  /** Resolves when a log line's `msg` matches. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code when the process ends by itself. */
  exited(): Promise<number | null>;
  /** SIGTERM and wait: the graceful path. Resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

/**
 * Runs a service as operators do: its own process (from TypeScript sources through tsx, or the built bundle),
 * configured only by environment variables. Tests across services use processes, never each other's modules.
 */
export function spawnService(
  name: string,
  env: Record<string, string | undefined>,
  opts: { built?: boolean } = {},
): ServiceProcess {
  // Built: the production bundle (npm run build first), as benchmarks must measure it.
  const main = join(repoRoot, "services", name, ...(opts.built ? ["dist", "main.js"] : ["src", "main.ts"]));
  if (!existsSync(main)) throw new Error(`no service ${name} at ${main}`);
  const args = opts.built ? [main] : ["--conditions=@igdm/source", "--import", "tsx", main];
  const child = spawn(process.execPath, args, {
    cwd: join(repoRoot, "services", name),
    env: { PATH: process.env.PATH, LOG_LEVEL: "info", ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const matches = (msg: string | RegExp) =>
    out.split("\n").some((line) => {
      if (!line.startsWith("{")) return false;
      const m = (JSON.parse(line) as { msg?: string }).msg ?? "";
      return typeof msg === "string" ? m === msg : msg.test(m);
    });
  return {
    name,
    child,
    output: () => out,
    waitForLog: async (msg, timeoutMs = 30_000) => {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${out.slice(-3000)}`);
          return matches(msg);
        },
        { timeoutMs, what: `${name} to log ${msg}` },
      );
    },
    exited: () => exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
