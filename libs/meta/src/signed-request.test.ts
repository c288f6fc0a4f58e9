import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeBase64UrlStrict, signSignedRequest, verifySignedRequest } from "./signed-request.js";

const secrets = [
  { name: "facebook" as const, secret: "fb-app-secret" },
  { name: "instagram" as const, secret: "ig-app-secret" },
];
const now = new Date("2025-05-01T12:00:00Z");
const issuedAt = Math.floor(now.getTime() / 1000) - 60;
const payload = { algorithm: "HMAC-SHA256", issued_at: issuedAt, user_id: "1234567890" };

const verify = (signedRequest: string) => verifySignedRequest(signedRequest, secrets, { now });

/** Signs an arbitrary payload segment, for payloads `signSignedRequest` would never produce. */
const signSegment = (segment: string, secret = "fb-app-secret") =>
  `${createHmac("sha256", secret).update(segment).digest("base64url")}.${segment}`;
const segmentOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("verifySignedRequest", () => {
  it("accepts a request signed with the Facebook app secret and returns what it says", () => {
    const verdict = verify(signSignedRequest(payload, "fb-app-secret"));
    expect(verdict).toEqual({
      ok: true,
      secretName: "facebook",
      payload: { userId: "1234567890", issuedAt, algorithm: "HMAC-SHA256", fields: payload },
    });
  });

  it("accepts a request signed with the Instagram app secret and says so", () => {
    const verdict = verify(signSignedRequest(payload, "ig-app-secret"));
    expect(verdict).toMatchObject({ ok: true, secretName: "instagram", payload: { userId: "1234567890" } });
  });

  it("matches Meta's documented construction: HMAC over the payload segment as sent, base64url without padding", () => {
    const segment = segmentOf(payload);
    const signature = createHmac("sha256", "fb-app-secret").update(segment).digest("base64url");
    expect(signSignedRequest(payload, "fb-app-secret")).toBe(`${signature}.${segment}`);
    expect(verify(`${signature}.${segment}`).ok).toBe(true);
  });

  it("accepts the algorithm in any case and keeps fields Meta may add", () => {
    const verdict = verify(signSignedRequest({ ...payload, algorithm: "hmac-sha256", expires: 0 }, "fb-app-secret"));
    expect(verdict).toMatchObject({ ok: true, payload: { fields: { expires: 0 } } });
  });

  it("refuses a forged signature", () => {
    expect(verify(signSignedRequest(payload, "not-our-secret"))).toMatchObject({ ok: false, reason: "signature" });
  });

  it("refuses a payload segment tampered with after signing", () => {
    const [signature] = signSignedRequest(payload, "fb-app-secret").split(".");
    const tampered = `${signature}.${segmentOf({ ...payload, user_id: "999" })}`;
    expect(verify(tampered)).toMatchObject({ ok: false, reason: "signature" });
  });

  it("refuses a signature moved to another payload or re-encoded JSON", () => {
    const signed = signSignedRequest(payload, "fb-app-secret");
    const [signature] = signed.split(".");
    const reserialised = Buffer.from(JSON.stringify(payload, null, 1)).toString("base64url");
    expect(verify(`${signature}.${reserialised}`)).toMatchObject({ ok: false, reason: "signature" });
  });

  it("refuses another algorithm even when correctly signed", () => {
    const verdict = verify(signSignedRequest({ ...payload, algorithm: "HMAC-SHA1" }, "fb-app-secret"));
    expect(verdict).toMatchObject({ ok: false, reason: "algorithm" });
  });

  it.each([
    ["no user_id", { algorithm: "HMAC-SHA256", issued_at: issuedAt }, "user_id"],
    ["a numeric user_id", { ...payload, user_id: 1234567890 }, "user_id"],
    ["an empty user_id", { ...payload, user_id: "" }, "user_id"],
    ["no issued_at", { algorithm: "HMAC-SHA256", user_id: "1" }, "issued_at"],
    ["a string issued_at", { ...payload, issued_at: String(issuedAt) }, "issued_at"],
    ["no algorithm", { user_id: "1", issued_at: issuedAt }, "algorithm"],
  ])("refuses a signed payload with %s", (_, fields, named) => {
    const verdict = verify(signSignedRequest(fields, "fb-app-secret"));
    expect(verdict).toMatchObject({ ok: false, reason: "payload" });
    expect(!verdict.ok && verdict.detail).toContain(named);
  });

  it("refuses a signed payload that is not a JSON object", () => {
    for (const segment of [Buffer.from("not json").toString("base64url"), segmentOf([payload]), segmentOf("x")]) {
      expect(verify(signSegment(segment))).toMatchObject({ ok: false, reason: "payload" });
    }
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url");
    expect(verify(signSegment(notUtf8))).toMatchObject({ ok: false, reason: "payload" });
  });

  it("refuses issued_at beyond five minutes in the future, accepts any past one", () => {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const future = verify(signSignedRequest({ ...payload, issued_at: nowSeconds + 3600 }, "fb-app-secret"));
    expect(future).toMatchObject({ ok: false, reason: "issued_in_future" });
    expect(verify(signSignedRequest({ ...payload, issued_at: nowSeconds + 120 }, "fb-app-secret")).ok).toBe(true);
    expect(verify(signSignedRequest({ ...payload, issued_at: 1_500_000_000 }, "fb-app-secret")).ok).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["no dot", "abc"],
    ["an empty signature", `.${segmentOf(payload)}`],
    ["an empty payload", `${signSignedRequest(payload, "fb-app-secret").split(".")[0]}.`],
    [
      "a padded signature",
      (() => {
        const [s, p] = signSignedRequest(payload, "fb-app-secret").split(".");
        return `${s}=.${p}`;
      })(),
    ],
    [
      "a padded payload",
      (() => {
        const segment = Buffer.from(JSON.stringify(payload)).toString("base64");
        return segment.endsWith("=") ? signSegment(segment) : signSegment(`${segment}==`);
      })(),
    ],
    ["standard base64 characters", signSegment(`${segmentOf(payload)}+/`)],
    ["whitespace", ` ${signSignedRequest(payload, "fb-app-secret")}`],
    ["a second dot", `${signSignedRequest(payload, "fb-app-secret")}.x`],
    ["a truncated signature", signSignedRequest(payload, "fb-app-secret").slice(4)],
    ["an oversized value", signSegment("A".repeat(5000))],
  ])("refuses a value with %s as malformed, before any HMAC", (_, value) => {
    expect(verify(value)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("refuses when no secret is configured", () => {
    expect(verifySignedRequest(signSignedRequest(payload, "fb-app-secret"), [], { now })).toMatchObject({
      ok: false,
      reason: "signature",
    });
  });
});

describe("decodeBase64UrlStrict", () => {
  it("decodes canonical base64url and nothing else", () => {
    expect(decodeBase64UrlStrict("aGk")?.toString()).toBe("hi");
    expect(decodeBase64UrlStrict("_-8")?.toString("hex")).toBe("ffef");
    for (const bad of ["aGk=", "aGl", "a", "aG k", "aG+k", "aG/k", ""])
      expect(decodeBase64UrlStrict(bad), bad).toBeUndefined();
  });
});
