import { existsSync } from "node:fs";
import { dirname } from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createMigratedTestDatabase } from "./database.js";
import { type PostgresServerHandle, startPostgresServer } from "./postgres-server.js";

let server: PostgresServerHandle;
afterAll(async () => {
  await server?.dispose();
});

/** A one-off client, so a stopped server never leaves a pool behind that retries. */
async function query<T extends readonly object[]>(url: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const count = (url: string) => query(url, (sql) => sql<{ n: number }[]>`select count(*)::int as n from kept`);

describe("startPostgresServer", () => {
  it("runs a private cluster on 127.0.0.1 with trust auth and its socket in its own directory", async () => {
    server = await startPostgresServer();
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    const [row] = await query(
      server.url,
      (sql) =>
        sql<{ user: string; listen: string; sockets: string; version: number }[]>`
          select current_user as user, current_setting('listen_addresses') as listen,
                 current_setting('unix_socket_directories') as sockets,
                 current_setting('server_version_num')::int as version`,
    );
    expect(row).toEqual({
      user: "postgres",
      listen: "127.0.0.1",
      sockets: dirname(server.dataDir),
      version: expect.any(Number),
    });
    expect(row!.version).toBeGreaterThanOrEqual(150000);
    await query(server.url, (sql) => sql`create table kept (id int primary key)`);
  });

  it("keeps committed data across an immediate stop, refusing connections until started again", async () => {
    await query(server.url, (sql) => sql`insert into kept values (1)`);
    await server.stop("immediate");
    await expect(count(server.url)).rejects.toThrow(/ECONNREFUSED/);
    await server.start();
    expect(await count(server.url)).toEqual([{ n: 1 }]);
    // No shutdown checkpoint was written: the start replayed the WAL, as after a crash.
    expect(server.log()).toMatch(/database system was interrupted/);
  });

  it("survives a SIGKILL of the postmaster, which drops the connections it had", async () => {
    const held = postgres(server.url, { max: 1, onnotice: () => {} });
    await held`insert into kept values (2)`;
    await server.kill();
    await expect(held`select 1`).rejects.toThrow();
    await held.end({ timeout: 1 });
    await expect(count(server.url)).rejects.toThrow(/ECONNREFUSED/);
    await server.start();
    expect(await count(server.url)).toEqual([{ n: 2 }]);
  });

  it("restarts cleanly after a fast stop", async () => {
    await query(server.url, (sql) => sql`insert into kept values (3)`);
    const before = server.log().match(/database system was shut down at/g)?.length ?? 0;
    await server.restart();
    expect(await count(server.url)).toEqual([{ n: 3 }]);
    expect(server.log().match(/database system was shut down at/g)?.length ?? 0).toBe(before + 1);
  });

  it("hosts migrated test databases, created and dropped on it rather than on the shared server", async () => {
    const db = await createMigratedTestDatabase("igdm_private", server.url);
    expect(new URL(db.url).port).toBe(String(server.port));
    expect(await db.sql`select to_regclass('public.messages') is not null as migrated`).toEqual([{ migrated: true }]);
    await db.drop();
    const left = await query(server.url, (sql) => sql`select 1 from pg_database where datname = ${db.name}`);
    expect(left).toHaveLength(0);
  });

  it("dispose stops the server and deletes its directory", async () => {
    const disposable = await startPostgresServer();
    const dir = dirname(disposable.dataDir);
    expect(existsSync(dir)).toBe(true);
    await disposable.dispose();
    expect(existsSync(dir)).toBe(false);
    await expect(count(disposable.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("fails with the server's own words when it cannot start", async () => {
    await expect(startPostgresServer({ settings: { no_such_setting: "1" } })).rejects.toThrow(/no_such_setting/);
  });
});
