import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { PermanentError, TransientError } from "@igdm/runtime";
import { createTestDatabase, type TestDatabase } from "@igdm/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyDbError } from "./db-errors.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase("igdm_persister");
  await db.sql`create table t (id int primary key, v int not null check (v > 0))`;
  await db.sql`insert into t values (1, 1), (2, 2)`;
});
afterAll(() => db?.drop());

/** A client with no retries of its own, on `url` (the test database by default). */
function client(url = db.url, options: { connect_timeout?: number; connection?: Record<string, string> } = {}) {
  return postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {}, ...options });
}

/** The rejection of `run`, which must fail. */
async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
}

/** A local TCP server doing `onSocket` with every connection; closed after the test. */
async function tcpServer(onSocket: (s: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    onSocket(s);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  const close = () =>
    new Promise<void>((done) => {
      for (const s of sockets) s.destroy();
      server.close(() => done());
    });
  return { port, close };
}

function expectTransient(err: Error, code?: string): void {
  const classified = classifyDbError(err);
  expect(classified).toBeInstanceOf(TransientError);
  expect(classified.cause).toBe(err);
  if (code) expect((err as { code?: string }).code).toBe(code);
}

function expectPermanent(err: Error, code: string): void {
  const classified = classifyDbError(err);
  expect(classified).toBeInstanceOf(PermanentError);
  expect(classified.cause).toBe(err);
  expect(classified.message).toContain(code);
  expect((err as { code?: string }).code).toBe(code);
}

describe("classifyDbError: connection failures are transient", () => {
  it("ECONNREFUSED: nothing listens on the port", async () => {
    const { port, close } = await tcpServer(() => {});
    await close();
    const sql = client(`postgres://postgres@127.0.0.1:${port}/postgres`);
    expectTransient(await failure(() => sql`select 1`), "ECONNREFUSED");
    await sql.end({ timeout: 1 });
  });

  it("CONNECT_TIMEOUT: the server accepts but never answers", async () => {
    const { port, close } = await tcpServer(() => {});
    const sql = client(`postgres://postgres@127.0.0.1:${port}/postgres`, { connect_timeout: 0.3 });
    expectTransient(await failure(() => sql`select 1`), "CONNECT_TIMEOUT");
    await sql.end({ timeout: 1 });
    await close();
  });

  it("ECONNRESET: the peer resets the connection", async () => {
    const { port, close } = await tcpServer((s) => s.resetAndDestroy());
    const sql = client(`postgres://postgres@127.0.0.1:${port}/postgres`);
    const err = await failure(() => sql`select 1`);
    expectTransient(err, "ECONNRESET");
    await sql.end({ timeout: 1 });
    await close();
  });

  it("CONNECTION_ENDED: the client was already shut down", async () => {
    const sql = client();
    await sql.end();
    expectTransient(await failure(() => sql`select 1`), "CONNECTION_ENDED");
  });

  it("CONNECTION_DESTROYED: the client was shut down during the query", async () => {
    const sql = client();
    await sql`select 1`;
    const running = failure(() => sql`select pg_sleep(5)`);
    await new Promise((r) => setTimeout(r, 100));
    await sql.end({ timeout: 0 });
    expectTransient(await running, "CONNECTION_DESTROYED");
  });

  it("CONNECTION_CLOSED: an administrator terminated the backend during the query", async () => {
    const sql = client(db.url, { connection: { application_name: "igdm-victim" } });
    await sql`select 1`;
    const running = failure(() => sql`select pg_sleep(5)`);
    await new Promise((r) => setTimeout(r, 200));
    await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'igdm-victim'`;
    // The server sends 57P01 and hangs up; postgres.js reports the closed connection.
    expectTransient(await running, "CONNECTION_CLOSED");
    await sql.end({ timeout: 1 });
  });

  it("53300: too many connections", async () => {
    const role = `igdm_limited_${randomBytes(4).toString("hex")}`;
    await db.sql.unsafe(`create role ${role} login connection limit 0`);
    try {
      const url = new URL(db.url);
      url.username = role;
      const sql = client(url.toString());
      expectTransient(await failure(() => sql`select 1`), "53300");
      await sql.end({ timeout: 1 });
    } finally {
      await db.sql.unsafe(`drop role ${role}`);
    }
  });
});

describe("classifyDbError: races and schema drift are transient", () => {
  it("40001: serialization failure", async () => {
    const err = await failure(() =>
      db.sql.begin("isolation level repeatable read", async (tx) => {
        await tx`select * from t`;
        await db.sql`update t set v = v + 1 where id = 1`;
        await tx`update t set v = v + 1 where id = 1`;
      }),
    );
    expectTransient(err, "40001");
  });

  it("40P01: deadlock", async () => {
    let release!: () => void;
    const bothLocked = new Promise<void>((r) => {
      let n = 0;
      release = () => {
        if (++n === 2) r();
      };
    });
    const lockInOrder = (first: number, second: number) =>
      db.sql.begin(async (tx) => {
        await tx`select * from t where id = ${first} for update`;
        release();
        await bothLocked;
        await tx`select * from t where id = ${second} for update`;
      });
    const results = await Promise.allSettled([lockInOrder(1, 2), lockInOrder(2, 1)]);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expectTransient((rejected[0] as PromiseRejectedResult).reason, "40P01");
  });

  it("42P01 / 42703: the schema is behind (a migration is pending)", async () => {
    expectTransient(await failure(() => db.sql`select * from not_migrated_yet`), "42P01");
    expectTransient(await failure(() => db.sql`select missing_column from t`), "42703");
  });
});

describe("classifyDbError: data errors are permanent", () => {
  it("23514: check violation", async () => {
    expectPermanent(await failure(() => db.sql`insert into t values (3, -1)`), "23514");
  });

  it("23505: unique violation", async () => {
    expectPermanent(await failure(() => db.sql`insert into t values (1, 1)`), "23505");
  });

  it("22012 / 22P02: division by zero, invalid input", async () => {
    expectPermanent(await failure(() => db.sql`select 1 / 0`), "22012");
    expectPermanent(await failure(() => db.sql`select '{oops'::jsonb`), "22P02");
  });
});

describe("classifyDbError: the rest", () => {
  it("returns other server errors unchanged", async () => {
    const err = await failure(() => db.sql`do $$ begin raise exception 'boom'; end $$`);
    expect((err as { code?: string }).code).toBe("P0001");
    expect(classifyDbError(err)).toBe(err);
  });

  it("classifies the SQLSTATEs that are hard to provoke on a healthy server by class", () => {
    const server = (code: string) => new postgres.PostgresError({ message: `m ${code}`, code } as never);
    for (const code of ["08006", "08001", "53100", "53200", "57P01", "57P02", "57P03"]) {
      expect(classifyDbError(server(code)), code).toBeInstanceOf(TransientError);
    }
    for (const code of ["57014", "55P03", "XX000"]) expect(classifyDbError(server(code)), code).toBeInstanceOf(Error);
    expect(classifyDbError(server("57014"))).not.toBeInstanceOf(TransientError);
  });

  it("passes errors that are already classified, and wraps what is not an Error", () => {
    const transient = new TransientError("x");
    expect(classifyDbError(transient)).toBe(transient);
    const wrapped = classifyDbError("plain string");
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.cause).toBe("plain string");
  });

  it("knows the socket codes, also inside an AggregateError (Node tries IPv6 and IPv4)", () => {
    const inner = Object.assign(new Error("connect ECONNREFUSED ::1:1"), { code: "ECONNREFUSED" });
    const err = new AggregateError([inner], "connect failed");
    expect(classifyDbError(err)).toBeInstanceOf(TransientError);
    for (const code of ["ETIMEDOUT", "EPIPE"]) {
      expect(classifyDbError(Object.assign(new Error(code), { code })), code).toBeInstanceOf(TransientError);
    }
    expect(classifyDbError(new Error("something else"))).not.toBeInstanceOf(TransientError);
  });
});
