import { randomBytes } from "node:crypto";
import { migrate, migrationsDir } from "@igdm/db";
import postgres from "postgres";

export interface TestDatabase {
  name: string;
  url: string;
  /** A client on the new database (max 5 connections). */
  sql: postgres.Sql;
  /** Ends the client, disconnects anyone else and drops the database; safe to call twice. */
  drop(): Promise<void>;
}

/** The server tests create their databases on: DATABASE_URL, or the local trust-auth server. */
export function testDatabaseUrl(): string {
  return process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** A short-lived admin connection: holding one open across a test file would pin a backend for nothing. */
async function asAdmin<T>(serverUrl: string, run: (admin: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(serverUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: "igdm-testkit" },
  });
  try {
    return await run(admin);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * A fresh, uniquely named, empty database, so tests run in parallel and against a real server without sharing state.
 * `serverUrl` (any database of the server, as a superuser) picks another server than `testDatabaseUrl()`: a private
 * one from `startPostgresServer`, say.
 */
export async function createTestDatabase(prefix = "igdm_t", serverUrl = testDatabaseUrl()): Promise<TestDatabase> {
  // The name is spliced into DDL (identifiers cannot be parameters), so only plain lowercase names pass.
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`invalid test database prefix: ${prefix}`);
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await asAdmin(serverUrl, (admin) => admin.unsafe(`create database "${name}"`));
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const sql = postgres(url, { max: 5, onnotice: () => {}, connection: { application_name: "igdm-test" } });
  let dropped: Promise<void> | undefined;
  const drop = () => {
    dropped ??= (async () => {
      await sql.end({ timeout: 5 });
      await asAdmin(serverUrl, async (admin) => {
        // Clients a test forgot to close would make DROP DATABASE fail.
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      });
    })();
    return dropped;
  };
  return { name, url, sql, drop };
}

/** A fresh database with every migration of supabase/migrations applied: the schema the services run on. */
export async function createMigratedTestDatabase(
  prefix = "igdm_t",
  serverUrl = testDatabaseUrl(),
): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix, serverUrl);
  await migrate(db.sql, { dir: migrationsDir() });
  return db;
}
