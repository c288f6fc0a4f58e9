import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { freePort, waitFor } from "./ports.js";
import { childPids, isAlive, postgresBinDir, postgresOsUser } from "./postgres-server-setup.js";

/**
 * `fast`: clients are disconnected, a checkpoint is written, the server exits cleanly.
 * `immediate`: no checkpoint, as after a crash; the next start replays the WAL, so committed data survives.
 */
export type PostgresStopMode = "fast" | "immediate";

export interface PostgresServerHandle {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  readonly url: string;
  readonly dataDir: string;
  stop(mode?: PostgresStopMode): Promise<void>;
  /** Starts again on the same port and data directory; resolves once it answers queries (after any recovery). */
  start(): Promise<void>;
  /** A fast stop, then a start. */
  restart(): Promise<void>;
  /** SIGKILL of the postmaster, as the OOM killer would; resolves once its orphaned backends have exited too. */
  kill(): Promise<void>;
  /** Stops (immediate) and deletes the data directory. */
  dispose(): Promise<void>;
  /** What the server logged so far, across restarts. */
  log(): string;
}

export interface PostgresServerOptions {
  port?: number;
  /** Directory of `initdb` and `postgres`; else PG_BIN_DIR, `pg_config --bindir`, /usr/lib/postgresql/<v>/bin. */
  binDir?: string;
  /** Extra server settings, passed as `-c name=value`. */
  settings?: Record<string, string>;
}

const execFileAsync = promisify(execFile);
const START_TIMEOUT_MS = 30_000;

/** Servers still running, stopped if the test process exits without disposing of them (a leaked postmaster lives on). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackForExit(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of running) c.kill("SIGQUIT");
  });
}

/**
 * Starts a private PostgreSQL cluster (initdb into a fresh temporary directory) on a free port of 127.0.0.1 with
 * trust auth and its unix socket in that directory, for tests that must stop, crash or restart the database without
 * disturbing the shared server. As root (CI), initdb and postgres run as the `postgres` OS user, since they refuse
 * to run as root.
 */
export async function startPostgresServer(opts: PostgresServerOptions = {}): Promise<PostgresServerHandle> {
  const binDir = postgresBinDir(opts.binDir);
  const user = postgresOsUser();
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "igdm-pg-"));
  const dataDir = join(dir, "data");
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const asUser = { cwd: dir, ...(user ?? {}) };
  if (user) chownSync(dir, user.uid, user.gid);
  let proc: ChildProcess | undefined;
  let log = "";

  try {
    await execFileAsync(
      join(binDir, "initdb"),
      // --no-sync: a crash of the machine during the test run may lose the cluster, which is thrown away anyway.
      [
        "-D",
        dataDir,
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
        "--no-instructions",
      ],
      asUser,
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: string }).stderr || (err as Error).message}`);
  }

  const settings: Record<string, string> = { shared_buffers: "32MB", ...opts.settings };
  const args = ["-D", dataDir, "-p", String(port), "-h", "127.0.0.1", "-k", dir];
  for (const [name, value] of Object.entries(settings)) args.push("-c", `${name}=${value}`);

  /** One postmaster; `closed` holds its whole output once it has exited. */
  const launch = () => {
    const child = spawn(join(binDir, "postgres"), args, { ...asUser, stdio: ["ignore", "pipe", "pipe"] });
    const run = { child, output: "", closed: false };
    const collect = (d: Buffer) => {
      run.output = (run.output + d.toString()).slice(-8000);
      log = (log + d.toString()).slice(-1_000_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.once("close", () => {
      run.closed = true;
    });
    trackForExit(child);
    return run;
  };

  const start = async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) return;
    let run = launch();
    proc = run.child;
    try {
      await waitFor(
        async () => {
          if (!run.closed) return answers(url);
          // After a kill, a backend that has not noticed its postmaster's death yet still holds the old shared
          // memory, and postgres refuses to start beside it: try again once it is gone.
          if (!/pre-existing shared memory block/.test(run.output))
            throw new Error(`postgres exited ${run.child.exitCode ?? run.child.signalCode}: ${run.output}`);
          run = launch();
          proc = run.child;
          return false;
        },
        { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, what: `postgres on port ${port}` },
      );
    } catch (err) {
      await terminate("SIGKILL");
      throw err;
    }
  };

  const terminate = async (signal: NodeJS.Signals) => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  };

  const kill = async () => {
    const backends = proc?.pid === undefined ? [] : childPids(proc.pid);
    await terminate("SIGKILL");
    await waitFor(async () => backends.every((pid) => !isAlive(pid)), {
      timeoutMs: 10_000,
      what: "the killed postmaster's backends to exit",
    }).catch(() => killAll(backends));
  };

  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url,
    dataDir,
    // SIGINT is PostgreSQL's fast shutdown, SIGQUIT its immediate one.
    stop: (mode = "fast") => terminate(mode === "fast" ? "SIGINT" : "SIGQUIT"),
    start,
    restart: async () => {
      await terminate("SIGINT");
      await start();
    },
    kill,
    dispose: async () => {
      await terminate("SIGQUIT");
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => log,
  };
}

/** Whether the server answers a query: a TCP connect alone succeeds while it still refuses with "starting up". */
async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 2,
    onnotice: () => {},
    connection: { application_name: "igdm-testkit-probe" },
  });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
