import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../testkit/src/database.js";
import { migrate, migrationsDir } from "./migrate.js";

/*
 * What Supabase's public API keys can reach. PostgREST runs every request as the role `anon` (no user) or
 * `authenticated` (a user's JWT), with the JWT's claims in `request.jwt.claims`. Supabase grants both roles every
 * table of schema public by default, so row-level security with no policy is the only thing that keeps them out:
 * every table, enumerated from the catalogue (a table added later is checked too), must hold rows and show none.
 */

const API_ROLES = ["anon", "authenticated"] as const;

/** One row per table, written as the database owner; a table without one fails the test by name. */
const SEED: Record<string, string> = {
  users: `insert into public.users (id, name, access_token_enc) values ('u1', 'User', 'v1:k1:ciphertext')`,
  pages: `insert into public.pages (id, user_id, name, access_token_enc) values ('p1', 'u1', 'Page', 'v1:k1:c')`,
  instagram_accounts: `insert into public.instagram_accounts (id, username, page_id, user_id) values ('ig1', 'shop', 'p1', 'u1')`,
  messages: `insert into public.messages (message_id, sender_id, recipient_id, text) values ('mid.1', 's1', 'ig1', 'hi')`,
  webhook_logs: `insert into public.webhook_logs (id, received_at, raw) values (repeat('a', 64), now(), '\\x7b7d')`,
  token_logs: `insert into public.token_logs (subject_type, subject_id, event) values ('user', 'u1', 'refreshed')`,
  message_reactions: `insert into public.message_reactions (message_id, reactor_id, account_id, object, action, occurred_at, event_id)
    values ('mid.1', 's1', 'ig1', 'instagram', 'react', now(), 'e1')`,
  message_reads: `insert into public.message_reads (event_id, account_id, object, reader_id, message_id, occurred_at)
    values ('e2', 'ig1', 'instagram', 's1', 'mid.1', now())`,
  postbacks: `insert into public.postbacks (event_id, account_id, object, sender_id, occurred_at)
    values ('e3', 'ig1', 'instagram', 's1', now())`,
  referrals: `insert into public.referrals (event_id, account_id, object, sender_id, occurred_at)
    values ('e4', 'ig1', 'instagram', 's1', now())`,
  comments: `insert into public.comments (comment_id, account_id, object, field, occurred_at, event_id)
    values ('c1', 'ig1', 'instagram', 'comments', now(), 'e5')`,
  mentions: `insert into public.mentions (event_id, account_id, object, occurred_at) values ('e6', 'ig1', 'instagram', now())`,
  unrecognised_events: `insert into public.unrecognised_events (event_id, account_id, object, reason, raw, source, occurred_at, received_at)
    values ('e7', 'ig1', 'instagram', 'unknown field', '{}', '{}', now(), now())`,
  auto_reply_rules: `insert into public.auto_reply_rules (account_id, kind, reply) values ('ig1', 'default', 'Thanks!')`,
  outbound_sends: `insert into public.outbound_sends (id, account_id, recipient_id, text, status)
    values ('send-1', 'ig1', 's1', 'hi', 'queued')`,
  dead_letters: `insert into public.dead_letters (dlq_seq, service, reason, failed_at, payload)
    values (1, 'persister', 'boom', now(), '\\x00')`,
  deletion_requests: `insert into public.deletion_requests
    (confirmation_code, callback_id, user_hash, app, status, requested_at, received_at)
    values ('ABCDEFGHIJKLMNOP', repeat('b', 64), repeat('c', 64), 'facebook', 'completed', now(), now())`,
};

/** The claims Supabase's gateway would set for a request; forged ones must change nothing without policies. */
const CLAIMS = [
  undefined,
  { role: "authenticated", sub: "00000000-0000-0000-0000-000000000001", aud: "authenticated" },
  { role: "service_role", iss: "supabase" },
];

let db: TestDatabase;
let tables: { name: string; rls: boolean; forced: boolean }[];

/** Supabase's roles exist cluster-wide; another run may be creating them at the same moment. */
async function ensureRole(sql: postgres.Sql, role: string) {
  await sql.unsafe(`
    do $$ begin
      create role ${role} nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end $$`);
}

beforeAll(async () => {
  db = await createTestDatabase("igdm_rls");
  for (const role of API_ROLES) await ensureRole(db.sql, role);
  // Supabase's own defaults, set before any migration, as on a new project.
  await db.sql.unsafe(`
    grant usage on schema public to anon, authenticated;
    alter default privileges in schema public grant select, insert, update, delete on tables to anon, authenticated;
    alter default privileges in schema public grant usage, select on sequences to anon, authenticated;
    alter default privileges in schema public grant execute on functions to anon, authenticated;`);
  await migrate(db.sql, { dir: migrationsDir() });
  tables = await db.sql`
    select relname as name, relrowsecurity as rls, relforcerowsecurity as forced from pg_class
    where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') order by relname`;
  await db.sql.begin(async (tx) => {
    // In SEED's order: parents before the tables that reference them.
    for (const sql of Object.values(SEED)) await tx.unsafe(sql);
  });
});

afterAll(async () => {
  await db?.drop();
});

/** Rows each table holds, as the owner sees them. */
async function ownerCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [row] = await db.sql.unsafe(`select count(*)::int as n from public."${t.name}"`);
    counts[t.name] = row!.n as number;
  }
  return counts;
}

/** A column every role could name in an update: not an identity or generated one. */
async function plainColumn(table: string): Promise<string> {
  const [col] = await db.sql<{ name: string }[]>`
    select attname as name from pg_attribute
    where attrelid = ${`public."${table}"`}::regclass and attnum > 0 and not attisdropped
      and attidentity = '' and attgenerated = ''
    order by attnum limit 1`;
  return col!.name;
}

describe("row-level security against Supabase's API roles", () => {
  it("is enabled on every table of schema public, each seeded with a row the owner can read", async () => {
    expect(tables.length).toBeGreaterThanOrEqual(17);
    expect(tables.filter((t) => !t.rls).map((t) => t.name)).toEqual([]);
    expect(tables.map((t) => t.name).filter((name) => !SEED[name])).toEqual([]);
    const counts = await ownerCounts();
    expect(Object.entries(counts).filter(([, n]) => n < 1)).toEqual([]);
  });

  it("is the only barrier: both roles hold Supabase's default grants on every table", async () => {
    for (const role of API_ROLES) {
      const missing = await db.sql<{ name: string }[]>`
        select relname as name from pg_class
        where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')
          and not has_table_privilege(${role}, oid, 'select, insert, update, delete')`;
      expect(missing, role).toEqual([]);
      const [r] = await db.sql`select rolbypassrls, rolsuper from pg_roles where rolname = ${role}`;
      expect(r, role).toEqual({ rolbypassrls: false, rolsuper: false });
    }
  });

  for (const role of API_ROLES) {
    for (const claims of CLAIMS) {
      it(`shows ${role} no row and lets it change none (claims: ${claims ? JSON.stringify(claims) : "none"})`, async () => {
        const before = await ownerCounts();
        const columns = Object.fromEntries(
          await Promise.all(tables.map(async (t) => [t.name, await plainColumn(t.name)])),
        );
        await db.sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          if (claims) {
            await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
            await tx`select set_config('request.jwt.claim.role', ${claims.role}, true)`;
          }
          const [who] = await tx`select current_user as role`;
          expect(who!.role).toBe(role);
          for (const { name } of tables) {
            const rows = await tx.unsafe(`select * from public."${name}"`);
            expect(rows.length, `select ${name}`).toBe(0);
            const col = columns[name]!;
            const updated = await tx.unsafe(`update public."${name}" set "${col}" = "${col}"`);
            expect(updated.count, `update ${name}`).toBe(0);
            const deleted = await tx.unsafe(`delete from public."${name}"`);
            expect(deleted.count, `delete ${name}`).toBe(0);
            await expect(
              tx.savepoint((sp) => sp.unsafe(SEED[name]!)),
              `insert ${name}`,
            ).rejects.toMatchObject({ code: "42501", message: expect.stringContaining("row-level security") });
          }
        });
        expect(await ownerCounts()).toEqual(before);
      });
    }
  }

  it("is not bypassed by a view in schema public (views run as their owner unless security_invoker)", async () => {
    const bypassing = await db.sql<{ name: string }[]>`
      select c.relname as name from pg_class c
      where c.relnamespace = 'public'::regnamespace
        and (c.relkind = 'm'
          or (c.relkind = 'v' and not coalesce('security_invoker=true' = any(c.reloptions), false)
                              and not coalesce('security_invoker=on' = any(c.reloptions), false)))
        and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select'))`;
    expect(bypassing).toEqual([]);
  });

  it("is not bypassed by a SECURITY DEFINER function in schema public that the API roles may call", async () => {
    const definers = await db.sql<{ name: string }[]>`
      select p.oid::regprocedure::text as name from pg_proc p
      where p.pronamespace = 'public'::regnamespace and p.prosecdef
        and (has_function_privilege('anon', p.oid, 'execute')
          or has_function_privilege('authenticated', p.oid, 'execute'))`;
    expect(definers).toEqual([]);
    // The check can see functions: the schema's own ones (granted to the roles by Supabase's defaults) are there.
    const [all] = await db.sql`
      select count(*)::int as n from pg_proc p
      where p.pronamespace = 'public'::regnamespace and has_function_privilege('anon', p.oid, 'execute')`;
    expect(all!.n).toBeGreaterThan(0);
  });

  it("keeps the migration history out of the API roles' reach", async () => {
    for (const role of API_ROLES) {
      const [r] = await db.sql`select has_schema_privilege(${role}, 'supabase_migrations', 'usage') as usage`;
      expect(r!.usage, role).toBe(false);
    }
  });
});
