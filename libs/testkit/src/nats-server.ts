import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, waitFor } from "./ports.js";

export interface NatsServerHandle {
  readonly port: number;
  readonly url: string;
  readonly storeDir: string;
  /** The running process's pid (undefined while stopped): benchmarks read its CPU time. */
  readonly pid: number | undefined;
  /** Graceful stop (SIGTERM); the store survives for a restart. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port and store. */
  restart(): Promise<void>;
  /**
   * SIGSTOP / SIGCONT: the socket stays open but nothing answers, as with a hung broker. pause() resolves once the
   * kernel reports the process stopped: the signal alone leaves a moment in which a busy server still answers.
   */
  pause(): Promise<void>;
  resume(): void;
  /** Stops and deletes the store. */
  dispose(): Promise<void>;
  /** What the server printed so far (its log goes to stderr): permission violations, for instance. */
  log(): string;
}

export interface NatsServerOptions {
  args?: string[];
  binary?: string;
  port?: number;
  /**
   * Runs the server with this configuration file text instead of `-js -sd <store>`. It is given the private store
   * directory, which the text must use as JetStream's store_dir (nats-server refuses `-sd` beside a store_dir).
   * The listen address and port are still set on the command line, which wins over the file.
   */
  config?: (storeDir: string) => string;
  /** Extra environment of the server process: the variables a configuration reads as `$NAME`. */
  env?: Record<string, string>;
}

/**
 * Starts a private nats-server with JetStream on a free port (after nats.js's test launcher), for tests that
 * must stop, kill or reconfigure the broker without disturbing the shared one.
 */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const port = opts.port ?? (await freePort());
  const storeDir = mkdtempSync(join(tmpdir(), "igdm-nats-"));
  const binary = opts.binary ?? process.env.NATS_SERVER_BIN ?? "nats-server";
  // The file sits beside the store, not in it: JetStream owns its store directory.
  const configDir = opts.config ? mkdtempSync(join(tmpdir(), "igdm-nats-conf-")) : undefined;
  const storage = configDir ? ["-c", join(configDir, "nats.conf")] : ["-js", "-sd", storeDir];
  if (configDir && opts.config) writeFileSync(join(configDir, "nats.conf"), opts.config(storeDir));
  let proc: ChildProcess | undefined;
  let log = "";

  const start = async () => {
    const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), ...storage, ...(opts.args ?? [])], {
      stdio: ["ignore", "ignore", "pipe"],
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      log = (log + d.toString()).slice(-1_000_000);
    });
    proc = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited ${child.exitCode}: ${stderr}`);
        return canConnect("127.0.0.1", port, 200);
      },
      { what: `nats-server on port ${port}` },
    );
  };

  const terminate = async (signal: NodeJS.Signals) => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  };

  await start();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    get pid() {
      return proc?.pid;
    },
    stop: () => terminate("SIGTERM"),
    kill: () => terminate("SIGKILL"),
    restart: async () => {
      await terminate("SIGTERM");
      await start();
    },
    pause: async () => {
      const pid = proc?.pid;
      if (pid === undefined) return;
      proc?.kill("SIGSTOP");
      await waitFor(async () => processStopped(pid), { intervalMs: 5, what: `nats-server ${pid} stopped` });
    },
    resume: () => proc?.kill("SIGCONT"),
    dispose: async () => {
      await terminate("SIGKILL");
      rmSync(storeDir, { recursive: true, force: true });
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    },
    log: () => log,
  };
}

/** True once every thread of the process is stopped by a signal ("T" in /proc, Linux): a Go server runs many. */
function processStopped(pid: number): boolean {
  try {
    const threads = readdirSync(`/proc/${pid}/task`);
    return threads.every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      return stat[stat.lastIndexOf(")") + 2] === "T";
    });
  } catch {
    return false;
  }
}
