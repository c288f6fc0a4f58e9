import { connectTestNats, uniqueNamespace } from "@igdm/testkit";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLogger } from "../logger.js";
import { RpcFailure, requestRpc, serveRpc } from "./rpc.js";

const Req = z.object({ n: z.number().int() });
const Rep = z.union([
  z.object({ ok: z.literal(true), double: z.number() }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);
const log = createLogger({ service: "test", level: "silent" });
const subject = `${uniqueNamespace()}.igdm.rpc.test.double`;
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connectTestNats();
  serveRpc({
    nc,
    subject,
    queue: "test",
    request: Req,
    reply: Rep,
    log,
    handle: async ({ n }) => {
      if (n < 0) throw new RpcFailure("IGDM_ERR_NEGATIVE", "negative numbers are refused");
      if (n === 13) throw new Error("secret internal detail");
      return { ok: true as const, double: n * 2 };
    },
  });
  await nc.flush();
});
afterAll(() => nc.close());

const ask = (body: { n: number }) => requestRpc(nc, subject, { request: Req, reply: Rep }, body, 2000);

describe("serveRpc / requestRpc", () => {
  it("answers a typed request", async () => {
    expect(await ask({ n: 21 })).toEqual({ ok: true, double: 42 });
  });

  it("answers typed errors, and hides internal ones", async () => {
    expect(await ask({ n: -1 })).toEqual({
      ok: false,
      code: "IGDM_ERR_NEGATIVE",
      message: "negative numbers are refused",
    });
    expect(await ask({ n: 13 })).toEqual({ ok: false, code: "IGDM_ERR_INTERNAL", message: "internal error" });
  });

  it("answers IGDM_ERR_BAD_REQUEST to a request that breaks the contract", async () => {
    const m = await nc.request(subject, JSON.stringify({ n: "x" }), { timeout: 2000 });
    expect(m.json()).toMatchObject({ ok: false, code: "IGDM_ERR_BAD_REQUEST", message: expect.stringContaining("n:") });
  });

  it("turns a missing responder into an RpcFailure rather than a hang", async () => {
    await expect(
      requestRpc(nc, `${subject}.nobody`, { request: Req, reply: Rep }, { n: 1 }, 500),
    ).rejects.toMatchObject({ code: "IGDM_ERR_UNAVAILABLE" });
  });
});
