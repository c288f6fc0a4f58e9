/**
 * `npm run db:migrate`: applies supabase/migrations to DATABASE_URL (default: the local server).
 * Exit codes: 0 done, 1 a migration or the connection failed, 78 (EX_CONFIG) DATABASE_URL is not a postgres URL.
 */
import { z } from "zod";
import { createSql, DEFAULT_DATABASE_URL } from "../client.js";
import { migrate, migrationsDir } from "../migrate.js";

const EX_CONFIG = 78;

const DatabaseUrl = z.url({ protocol: /^postgres(ql)?$/ });

/** The URL with its password masked, for logs. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

/** Error texts can quote the connection string; never let the password reach the terminal or CI logs. */
function scrub(text: string, url: string): string {
  const { password } = new URL(url);
  if (!password) return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {}
  return [password, decoded].reduce((t, secret) => t.replaceAll(secret, "***"), text);
}

async function main(): Promise<number> {
  const raw = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const parsed = DatabaseUrl.safeParse(raw);
  if (!parsed.success) {
    // The zod issue echoes the input, which may hold a password: print our own message instead.
    console.error(
      `DATABASE_URL is invalid: it must be a postgres:// or postgresql:// URL, e.g. ${DEFAULT_DATABASE_URL}`,
    );
    return EX_CONFIG;
  }
  const url = parsed.data;
  const sql = createSql(url, { max: 1, application: "igdm-migrate" });
  try {
    const dir = migrationsDir();
    console.log(`migrating ${redactUrl(url)} from ${dir}`);
    const { applied, skipped } = await migrate(sql, { dir, log: (line) => console.log(line) });
    console.log(`done: ${applied.length} applied, ${skipped.length} already applied`);
    return 0;
  } catch (error) {
    console.error(`migration failed: ${scrub((error as Error).message, url)}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

process.exitCode = await main();
