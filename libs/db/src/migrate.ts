import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type postgres from "postgres";
import type { Sql } from "./client.js";

/** The Supabase CLI's naming rule: `<version>_<name>.sql`, version = the digits before the first `_`. */
const MIGRATION_FILE = /^([0-9]+)_(.*)\.sql$/;

/** Any constant shared by every runner; serialises migrations across processes and replicas. */
const LOCK_KEY = 7_319_402_645;

export interface MigrationFile {
  file: string;
  version: string;
  name: string;
  path: string;
}

export interface MigrateOptions {
  dir: string;
  /** Called once per file this run applied, as soon as its transaction committed. */
  log?: (message: string) => void;
}

export interface MigrateResult {
  /** File names this run applied, in version order. */
  applied: string[];
  /** File names already recorded (by an earlier run, a concurrent runner or the Supabase CLI). */
  skipped: string[];
}

/** `<repo root>/supabase/migrations`, found by walking up from this file (works from src/ and dist/). */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "supabase", "migrations");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no supabase/migrations folder above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The folder's `*.sql` files in version order; throws on a name the Supabase CLI would not accept. */
export async function listMigrations(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql"));
  const migrations = files.map((file) => {
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new Error(`migration file ${file} in ${dir} does not match <version>_<name>.sql`);
    return { file, version: match[1]!, name: match[2]!, path: join(dir, file) };
  });
  migrations.sort((a, b) => compareVersions(a.version, b.version));
  for (let i = 1; i < migrations.length; i++) {
    if (compareVersions(migrations[i]!.version, migrations[i - 1]!.version) === 0) {
      throw new Error(`migrations ${migrations[i - 1]!.file} and ${migrations[i]!.file} share a version`);
    }
  }
  return migrations;
}

/**
 * Applies the pending migrations of `dir`, each file in its own transaction, recording it in the Supabase CLI's
 * history table so `supabase db push` and this runner agree on what ran. Safe when runners race: each file's
 * transaction takes an advisory lock and re-checks the history before applying.
 */
export async function migrate(sql: Sql, { dir, log = () => {} }: MigrateOptions): Promise<MigrateResult> {
  const migrations = await listMigrations(dir);
  await sql.begin(async (tx) => {
    await lock(tx);
    await ensureHistoryTable(tx);
  });
  const recorded = new Set(await appliedVersions(sql));
  const result: MigrateResult = { applied: [], skipped: [] };
  for (const m of migrations) {
    const applied = !recorded.has(m.version) && (await applyOne(sql, m));
    if (applied) log(`applied ${m.file}`);
    (applied ? result.applied : result.skipped).push(m.file);
  }
  return result;
}

/** Versions recorded in `supabase_migrations.schema_migrations`, oldest first. */
export async function appliedVersions(sql: Sql): Promise<string[]> {
  const rows = await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations`;
  return rows.map((r) => r.version).sort(compareVersions);
}

/** Versions are digit strings of any length: compare numerically, not lexically. */
function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Returns false when another runner applied the file while this one waited for the lock. */
async function applyOne(sql: Sql, m: MigrationFile): Promise<boolean> {
  const text = await readFile(m.path, "utf8");
  try {
    return await sql.begin(async (tx) => {
      await lock(tx);
      const [done] = await tx`select 1 from supabase_migrations.schema_migrations where version = ${m.version}`;
      if (done) return false;
      // Simple protocol: a file holds many statements, which the extended protocol refuses.
      await tx.unsafe(text);
      // The CLI stores the file split into statements; we ran it as one batch, so it is recorded as one.
      await tx`
        insert into supabase_migrations.schema_migrations (version, name, statements)
        values (${m.version}, ${m.name}, ${tx.array([text])})`;
      return true;
    });
  } catch (error) {
    throw new Error(`migration ${m.file} failed: ${(error as Error).message}`, { cause: error });
  }
}

type Tx = postgres.TransactionSql;

async function lock(tx: Tx): Promise<void> {
  await tx`select pg_advisory_xact_lock(${LOCK_KEY}::bigint)`;
}

/** The CLI's own DDL: coexists with a table the CLI created and with one from an older CLI lacking columns. */
async function ensureHistoryTable(tx: Tx): Promise<void> {
  await tx.unsafe(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
    alter table supabase_migrations.schema_migrations add column if not exists statements text[];
    alter table supabase_migrations.schema_migrations add column if not exists name text;
  `);
}
