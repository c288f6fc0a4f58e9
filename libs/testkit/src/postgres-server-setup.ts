import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Where `initdb` and `postgres` live: the override, PG_BIN_DIR, `pg_config --bindir`, else the newest
 * /usr/lib/postgresql/<version>/bin (Debian installs them there, off the PATH).
 */
export function postgresBinDir(override?: string): string {
  const candidates = [override, process.env.PG_BIN_DIR, pgConfigBinDir(), ...debianBinDirs()];
  const found = candidates.find((dir) => dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres")));
  if (!found)
    throw new Error("no PostgreSQL binaries found: set PG_BIN_DIR to the directory holding initdb and postgres");
  return found;
}

function pgConfigBinDir(): string | undefined {
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function debianBinDirs(): string[] {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, "bin"));
}

export interface OsUser {
  uid: number;
  gid: number;
}

/**
 * The account the server runs as: none (ourselves) unless we are root, which initdb and postgres refuse; then the
 * `postgres` OS user, as packaged installs create it.
 */
export function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => {
    try {
      return Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    } catch {
      throw new Error("running as root, and there is no `postgres` OS user to run PostgreSQL as");
    }
  };
  return { uid: id("-u"), gid: id("-g") };
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses), or undefined. */
function procStat(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Live processes whose parent is `pid` (Linux /proc; empty elsewhere): the postmaster's backends and workers. */
export function childPids(pid: number): number[] {
  if (!existsSync("/proc")) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(procStat(entry)?.[1]) === pid)
    .map(Number);
}

/** Whether `pid` still runs; a zombie (dead, not reaped yet: a container's init may never reap) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return procStat(pid)?.[0] !== "Z";
}
