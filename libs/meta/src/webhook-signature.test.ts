import { describe, expect, it } from "vitest";
import { signatureHeaderValue, verifyWebhookSignature } from "./webhook-signature.js";

const secrets = [
  { name: "app" as const, secret: "app-secret" },
  { name: "instagram" as const, secret: "ig-secret" },
];
const body = Buffer.from('{"object":"instagram","entry":[{"id":"1","messaging":[{"message":{"text":"h\\u00e4"}}]}]}');

describe("verifyWebhookSignature", () => {
  it("accepts a signature made with either configured secret and says which", () => {
    expect(verifyWebhookSignature(body, signatureHeaderValue("app-secret", body), secrets)).toEqual({
      ok: true,
      secretName: "app",
    });
    expect(verifyWebhookSignature(body, signatureHeaderValue("ig-secret", body), secrets)).toEqual({
      ok: true,
      secretName: "instagram",
    });
  });

  it("accepts upper-case hex (same digest)", () => {
    const hex = signatureHeaderValue("app-secret", body).slice("sha256=".length);
    expect(verifyWebhookSignature(body, `sha256=${hex.toUpperCase()}`, secrets).ok).toBe(true);
  });

  it("verifies raw non-ASCII bytes exactly as sent", () => {
    const utf8 = Buffer.from('{"text":"Grüße 👋"}', "utf8");
    expect(verifyWebhookSignature(utf8, signatureHeaderValue("app-secret", utf8), secrets).ok).toBe(true);
  });

  it.each([
    ["missing", undefined, "missing"],
    ["empty", "", "missing"],
    ["sha1 only", "sha1=0123456789abcdef0123456789abcdef01234567", "malformed"],
    ["truncated", signatureHeaderValue("app-secret", body).slice(0, 40), "malformed"],
    ["without prefix", signatureHeaderValue("app-secret", body).slice(7), "malformed"],
    [
      "repeated header",
      [signatureHeaderValue("app-secret", body), signatureHeaderValue("app-secret", body)],
      "malformed",
    ],
    [
      "joined repeated header",
      `${signatureHeaderValue("app-secret", body)}, ${signatureHeaderValue("x", body)}`,
      "malformed",
    ],
    ["wrong secret", signatureHeaderValue("other", body), "mismatch"],
    ["re-serialised JSON", signatureHeaderValue("app-secret", JSON.stringify(JSON.parse(body.toString()))), "mismatch"],
  ])("rejects a %s signature", (_, header, reason) => {
    expect(verifyWebhookSignature(body, header, secrets)).toEqual({ ok: false, reason });
  });
});
