import { createSql } from "@igdm/db";
import { runReadinessChecks } from "@igdm/runtime";
import { createMigratedTestDatabase, startTcpProxy, type TestDatabase, waitFor } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseCheck } from "./readiness.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createMigratedTestDatabase("igdm_persister");
});
afterAll(() => db?.drop());

describe("the persister's database check", () => {
  it("fails while PostgreSQL is unreachable and passes again once it is back", async () => {
    const url = new URL(db.url);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    const sql = createSql(url.toString(), { max: 1 });
    const check = () => runReadinessChecks({ database: databaseCheck(sql) }, 500);
    try {
      expect(await check()).toEqual({ ready: true, checks: { database: { ok: true } } });
      await proxy.cut();
      const down = await waitFor(
        async () => {
          const r = await check();
          return r.ready ? undefined : r;
        },
        { what: "database check failing" },
      );
      expect(down.checks.database?.ok).toBe(false);
      await proxy.restore();
      await waitFor(async () => (await check()).ready, { timeoutMs: 20_000, what: "database check passing" });
    } finally {
      await sql.end({ timeout: 1 });
      await proxy.close();
    }
  });
});
