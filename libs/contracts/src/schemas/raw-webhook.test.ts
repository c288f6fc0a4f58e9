import { describe, expect, it } from "vitest";
import { RawWebhook } from "./raw-webhook.js";

const valid: RawWebhook = {
  v: 1,
  id: "a".repeat(64),
  requestId: "req-1",
  receivedAt: new Date(0).toISOString(),
  signedWith: "app",
  headers: { "user-agent": "facebookexternalua" },
  headerNames: ["content-type", "x-hub-signature-256"],
  body: Buffer.from('{"object":"instagram"}').toString("base64"),
};

describe("RawWebhook", () => {
  it("accepts a well-formed envelope", () => {
    expect(RawWebhook.parse(valid)).toEqual(valid);
  });

  it.each([
    ["a wrong version", { v: 2 }],
    ["an id that is not a sha256", { id: "abc" }],
    ["an unknown secret", { signedWith: "other" }],
    ["a body that is not base64", { body: "not base64!" }],
    ["a receivedAt that is not ISO", { receivedAt: "yesterday" }],
  ])("rejects %s", (_, patch) => {
    expect(RawWebhook.safeParse({ ...valid, ...patch }).success).toBe(false);
  });
});
