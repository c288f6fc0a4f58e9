import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createTestDatabase, testDatabaseUrl } from "./database.js";

describe("createTestDatabase", () => {
  it("creates an isolated database and drops it again", async () => {
    const db = await createTestDatabase();
    await db.sql`create table t (id int)`;
    await db.sql`insert into t values (1)`;
    expect(await db.sql`select count(*)::int as n from t`).toEqual([{ n: 1 }]);
    await db.drop();

    const admin = postgres(testDatabaseUrl(), { max: 1, onnotice: () => {} });
    const rows = await admin`select 1 from pg_database where datname = ${db.name}`;
    await admin.end();
    expect(rows.length).toBe(0);
  });
});
