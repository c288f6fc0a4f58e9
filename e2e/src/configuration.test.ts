import { spawnService } from "@igdm/testkit";
import { describe, expect, it } from "vitest";

describe("worker services refuse a bad environment before doing anything", () => {
  it.each([
    ["normalizer", { NATS_URL: "http://not-nats", NORMALIZER_MAX_BATCH: "0" }, ["NATS_URL", "NORMALIZER_MAX_BATCH"]],
    ["persister", { DATABASE_URL: "mysql://x", PERSISTER_MAX_BATCH: "many" }, ["DATABASE_URL", "PERSISTER_MAX_BATCH"]],
  ])("%s exits 78 naming every bad variable", async (name, env, names) => {
    const service = spawnService(name, env);
    expect(await service.exited()).toBe(78);
    for (const n of names) expect(service.output()).toContain(n);
    expect(service.output()).not.toContain("mysql://x");
  });
});
