import { topology } from "@igdm/contracts";
import { connectTestNats, deleteNamespaceStreams, uniqueNamespace } from "@igdm/testkit";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAuthStateStore } from "./state-store.js";

const ns = uniqueNamespace();
let nc: NatsConnection;
let store: OAuthStateStore;

beforeAll(async () => {
  nc = await connectTestNats();
  const kv = await new Kvm(nc).create(topology(ns).kv.oauthStates, { ttl: 60_000, history: 1 });
  store = new OAuthStateStore(kv, 60_000);
});
afterAll(async () => {
  await deleteNamespaceStreams(nc, ns);
  await nc.close();
});

describe("OAuthStateStore", () => {
  it("hands out unguessable states that remember their flow and can be used once", async () => {
    const a = await store.create("instagram");
    const b = await store.create("facebook");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await store.consume(a)).toBe("instagram");
    await expect(store.consume(a)).rejects.toMatchObject({ code: "IGDM_ERR_OAUTH_STATE" });
    expect(await store.consume(b)).toBe("facebook");
  });

  it("rejects forged states", async () => {
    await expect(store.consume("forged-state-that-was-never-issued")).rejects.toMatchObject({
      code: "IGDM_ERR_OAUTH_STATE",
    });
    await expect(store.consume("../../etc")).rejects.toMatchObject({ code: "IGDM_ERR_OAUTH_STATE" });
  });

  it("lets exactly one of two racing callbacks consume a state", async () => {
    const state = await store.create("facebook");
    const outcomes = await Promise.allSettled([store.consume(state), store.consume(state), store.consume(state)]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
  });

  it("rejects a state older than its time to live", async () => {
    const kv = await new Kvm(nc).create(`${topology(ns).kv.oauthStates}_SHORT`, { ttl: 60_000, history: 1 });
    const shortLived = new OAuthStateStore(kv, 1);
    const state = await shortLived.create("facebook");
    await new Promise((r) => setTimeout(r, 20));
    await expect(shortLived.consume(state)).rejects.toMatchObject({ message: expect.stringContaining("expired") });
  });
});
