import { fixtureDelivery, instagramFixtures, webhookBytes } from "@igdm/testkit";
import { expect, it, vi } from "vitest";
import { normalizeWebhook } from "./normalize-webhook.js";

// Simulates a bug deep in the mapping: the entry point must still return, never throw.
const bug = vi.hoisted(() => ({ thrown: undefined as unknown }));
vi.mock("./map-entry.js", () => ({
  mapEntry: () => {
    throw bug.thrown;
  },
}));

const body = webhookBytes(instagramFixtures.text!.body);

it("returns a bug-level exception as ok:false with its message", () => {
  bug.thrown = new TypeError("cannot read properties of undefined (reading 'id')");
  expect(normalizeWebhook({ body, ...fixtureDelivery })).toEqual({
    ok: false,
    reason: "normalizer bug: cannot read properties of undefined (reading 'id')",
  });
});

it("also returns something thrown that is not an Error", () => {
  bug.thrown = "boom";
  expect(normalizeWebhook({ body, ...fixtureDelivery })).toEqual({ ok: false, reason: "normalizer bug: boom" });
});

it("refuses a body that is not bytes instead of throwing", () => {
  const input = { ...fixtureDelivery, body: "not bytes" } as unknown as Parameters<typeof normalizeWebhook>[0];
  expect(normalizeWebhook(input).ok).toBe(false);
});
