import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canConnect, freePort, waitFor } from "./ports.js";

export interface NatsServerHandle {
  readonly port: number;
  readonly url: string;
  readonly storeDir: string;
  /** Graceful stop (SIGTERM); the store survives for a restart. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port and store. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: the socket stays open but nothing answers, as with a hung broker. */
  pause(): void;
  resume(): void;
  /** Stops and deletes the store. */
  dispose(): Promise<void>;
}

/**
 * Starts a private nats-server with JetStream on a free port (after nats.js's test launcher), for tests that
 * must stop, kill or reconfigure the broker without disturbing the shared one.
 */
export async function startNatsServer(
  opts: { args?: string[]; binary?: string; port?: number } = {},
): Promise<NatsServerHandle> {
  const port = opts.port ?? (await freePort());
  const storeDir = mkdtempSync(join(tmpdir(), "igdm-nats-"));
  const binary = opts.binary ?? process.env.NATS_SERVER_BIN ?? "nats-server";
  let proc: ChildProcess | undefined;

  const start = async () => {
    const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir, ...(opts.args ?? [])], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
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
    stop: () => terminate("SIGTERM"),
    kill: () => terminate("SIGKILL"),
    restart: async () => {
      await terminate("SIGTERM");
      await start();
    },
    pause: () => proc?.kill("SIGSTOP"),
    resume: () => proc?.kill("SIGCONT"),
    dispose: async () => {
      await terminate("SIGKILL");
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
