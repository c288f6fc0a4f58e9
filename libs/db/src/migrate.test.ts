import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../testkit/src/database.js";
import { createSql } from "./client.js";
import { appliedVersions, migrate, migrationsDir } from "./migrate.js";

const TABLES = [
  "auto_reply_rules",
  "comments",
  "dead_letters",
  "deletion_requests",
  "instagram_accounts",
  "mentions",
  "message_reactions",
  "message_reads",
  "messages",
  "outbound_sends",
  "pages",
  "postbacks",
  "referrals",
  "token_logs",
  "unrecognised_events",
  "users",
  "webhook_logs",
];

let db: TestDatabase;
const tempDirs: string[] = [];

beforeEach(async () => {
  db = await createTestDatabase("igdm_db");
});

afterEach(async () => {
  await db.drop();
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A migrations folder holding the given files. */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "igdm-migrations-"));
  tempDirs.push(dir);
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
  return dir;
}

async function publicTables(): Promise<{ relname: string; relrowsecurity: boolean }[]> {
  return db.sql`
    select relname, relrowsecurity from pg_class
    where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') order by relname`;
}

describe("migrate", () => {
  it("applies every file once, records it like the Supabase CLI and is a no-op the second time", async () => {
    const files = (await readdir(migrationsDir())).filter((f) => f.endsWith(".sql")).sort();
    const logged: string[] = [];
    const first = await migrate(db.sql, { dir: migrationsDir(), log: (m) => logged.push(m) });
    expect(first).toEqual({ applied: files, skipped: [] });
    expect(logged).toEqual(files.map((f) => `applied ${f}`));
    expect((await publicTables()).map((t) => t.relname)).toEqual(TABLES);

    const second = await migrate(db.sql, { dir: migrationsDir() });
    expect(second).toEqual({ applied: [], skipped: files });

    expect(await appliedVersions(db.sql)).toEqual(files.map((f) => f.split("_")[0]));
    const [row] = await db.sql`select version, name, statements from supabase_migrations.schema_migrations`;
    expect(row).toMatchObject({ version: "20261128000000", name: "initial_schema" });
    expect(row!.statements[0]).toContain("create table public.messages");
  });

  it("enables row-level security on every public table and defines no policies", async () => {
    await migrate(db.sql, { dir: migrationsDir() });
    const tables = await publicTables();
    expect(tables.length).toBeGreaterThanOrEqual(TABLES.length);
    expect(tables.filter((t) => !t.relrowsecurity)).toEqual([]);
    const [policies] = await db.sql`select count(*)::int as count from pg_policies where schemaname = 'public'`;
    expect(policies!.count).toBe(0);
  });

  it("lets messages be upserted idempotently by message_id", async () => {
    await migrate(db.sql, { dir: migrationsDir() });
    const upsert = (patch: { text?: string; is_deleted?: boolean }) => db.sql`
      insert into messages (message_id, sender_id, recipient_id, ig_id, direction, text, is_deleted, sent_at)
      values ('mid.1', 'igsid', '1784', '1784', 'inbound', ${patch.text ?? null}, ${patch.is_deleted ?? false},
              '2026-11-28T10:00:00Z')
      on conflict (message_id) do update set
        text = coalesce(excluded.text, messages.text),
        is_deleted = messages.is_deleted or excluded.is_deleted`;
    const updatedAt = async () => ((await db.sql`select updated_at from messages`)[0]!.updated_at as Date).getTime();
    await upsert({ text: "hi" });
    const inserted = await updatedAt();
    await upsert({ text: "hi" }); // a Meta retry changes nothing, so updated_at stays
    expect(await updatedAt()).toBe(inserted);
    await upsert({ is_deleted: true });
    const rows = await db.sql`select * from messages`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text: "hi", is_deleted: true, attachments: [], edit_count: 0 });
    expect(await updatedAt()).toBeGreaterThan(inserted);
  });

  it("refuses a file name that is not <version>_<name>.sql before touching the database", async () => {
    const dir = await folder({ "20261128000000_ok.sql": "select 1;", "initial.sql": "select 1;" });
    await expect(migrate(db.sql, { dir })).rejects.toThrow(/initial\.sql .*does not match <version>_<name>\.sql/);
    const [schema] = await db.sql`select 1 from pg_namespace where nspname = 'supabase_migrations'`;
    expect(schema).toBeUndefined();
  });

  it("rolls back a failing file, records nothing for it and names it in the error", async () => {
    const dir = await folder({
      "1_good.sql": "create table good (id int);",
      "2_bad.sql": "create table half (id int);\nselect 1/0;",
    });
    await expect(migrate(db.sql, { dir })).rejects.toThrow(/migration 2_bad\.sql failed: division by zero/);
    expect(await appliedVersions(db.sql)).toEqual(["1"]);
    const [half] = await db.sql`select to_regclass('public.half') as t`;
    expect(half!.t).toBeNull();
  });

  it("orders versions numerically and coexists with a history table the CLI made", async () => {
    await db.sql.unsafe(`
      create schema supabase_migrations;
      create table supabase_migrations.schema_migrations (version text not null primary key);
      insert into supabase_migrations.schema_migrations values ('9');`);
    const dir = await folder({
      "9_cli.sql": "select 1/0;",
      "10_after.sql": "create table after_ten (id int);",
    });
    expect(await migrate(db.sql, { dir })).toEqual({ applied: ["10_after.sql"], skipped: ["9_cli.sql"] });
    expect(await appliedVersions(db.sql)).toEqual(["9", "10"]);
  });

  it("applies each file exactly once when two runners race on an empty database", async () => {
    // Plain CREATE TABLE fails if run twice, and the sleep widens the race window.
    const dir = await folder({
      "1_a.sql": "create table a (id int); select pg_sleep(0.2);",
      "2_b.sql": "create table b (id int); select pg_sleep(0.2);",
      "3_c.sql": "create table c (id int);",
    });
    const runners = [createSql(db.url, { max: 2 }), createSql(db.url, { max: 2 })];
    try {
      const results = await Promise.all(runners.map((sql) => migrate(sql, { dir })));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(["1_a.sql", "2_b.sql", "3_c.sql"]);
      for (const r of results) expect([...r.applied, ...r.skipped].sort()).toEqual(["1_a.sql", "2_b.sql", "3_c.sql"]);
      expect(await appliedVersions(db.sql)).toEqual(["1", "2", "3"]);
    } finally {
      await Promise.all(runners.map((sql) => sql.end({ timeout: 5 })));
    }
  });

  it("applies the real schema once when two runners race", async () => {
    const runners = [createSql(db.url), createSql(db.url)];
    try {
      const results = await Promise.all(runners.map((sql) => migrate(sql, { dir: migrationsDir() })));
      const files = (await readdir(migrationsDir())).filter((f) => f.endsWith(".sql"));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(files.sort());
    } finally {
      await Promise.all(runners.map((sql) => sql.end({ timeout: 5 })));
    }
  });
});

describe("db:migrate CLI", () => {
  const packageDir = resolve(import.meta.dirname, "..");

  function run(databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn("npx", ["tsx", "src/cli/migrate.ts"], {
        cwd: packageDir,
        env: { ...process.env, DATABASE_URL: databaseUrl },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      child.on("error", fail);
      child.on("close", (code) => done({ code, stdout, stderr }));
    });
  }

  it("exits 78 naming DATABASE_URL when it is not a postgres URL", async () => {
    const result = await run("not-a-url");
    expect(result.code).toBe(78);
    expect(result.stderr).toContain("DATABASE_URL");
  });

  it("applies the migrations to a fresh database and prints each file", async () => {
    const result = await run(db.url);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("applied 20261128000000_initial_schema.sql");
    const files = (await readdir(migrationsDir())).filter((f) => f.endsWith(".sql"));
    expect(result.stdout).toContain(`done: ${files.length} applied, 0 already applied`);
  });

  it("never prints the password of the URL", async () => {
    const result = await run("postgres://postgres:s3cret-pw@127.0.0.1:1/postgres");
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain("s3cret-pw");
    expect(result.stdout).toContain("postgres://postgres:***@127.0.0.1:1/postgres");
  });
});
