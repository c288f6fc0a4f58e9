import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "./database.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

let proxy: TcpProxy | undefined;
afterAll(() => proxy?.close());

describe("startTcpProxy", () => {
  it("forwards to PostgreSQL, refuses while cut, and forwards again once restored", async () => {
    const target = new URL(testDatabaseUrl());
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(testDatabaseUrl());
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const sql = postgres(viaProxy.toString(), { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
      await proxy.cut();
      await expect(sql`select 1 as one`).rejects.toThrow();
      await proxy.restore();
      expect(await sql`select 2 as two`).toEqual([{ two: 2 }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
