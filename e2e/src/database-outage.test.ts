import { instagramTextWebhook, startTcpProxy, type TcpProxy, waitFor } from "@igdm/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { rowCounts } from "./expected-rows.js";
import { type Pipeline, startPipeline } from "./pipeline.js";
import { waitUntilSettled } from "./settle.js";

let pipeline: Pipeline | undefined;
let proxy: TcpProxy | undefined;
afterAll(async () => {
  await pipeline?.stop();
  await proxy?.close();
});

describe("the database going away mid-stream", () => {
  it("loses nothing: every accepted webhook has its rows once the database is back", async () => {
    pipeline = await startPipeline({
      databaseUrl: async (db) => {
        const url = new URL(db.url);
        proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
        url.hostname = "127.0.0.1";
        url.port = String(proxy.port);
        return url.toString();
      },
    });
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i++) expect(await pipeline!.post(instagramTextWebhook(`mid.outage.${i}`))).toBe(200);
    };
    await send(0, 50);
    await waitFor(async () => (await rowCounts(pipeline!.db)).messages > 0, { what: "first rows" });
    await proxy!.cut();
    await send(50, 150);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await rowCounts(pipeline.db)).messages).toBeLessThan(150);
    await proxy!.restore();
    await send(150, 200);
    await waitFor(async () => (await rowCounts(pipeline!.db)).messages === 200, {
      timeoutMs: 60_000,
      what: "all 200 messages stored",
    });
    await waitUntilSettled(pipeline.namespace);
    const counts = await rowCounts(pipeline.db);
    expect(counts.messages).toBe(200);
    expect(counts.webhook_logs).toBe(200);
  });
});
