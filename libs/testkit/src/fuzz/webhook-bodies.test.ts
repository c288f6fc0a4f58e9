import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { metaWebhookHeaders } from "../webhook.js";
import { fuzzBody } from "./fuzz-body.js";
import { deeplyNestedBody, invalidUtf8Body } from "./garbage-bodies.js";
import { nearlyValidMetaBody, validMetaBody } from "./meta-bodies.js";
import { oversizedBody, webhookBody } from "./webhook-bodies.js";
import { expectedWebhookOutcome, nodeHeaders } from "./webhook-requests.js";

const sample = <T>(arb: fc.Arbitrary<T>, n = 200) => fc.sample(arb, { numRuns: n, seed: 1 });
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

describe("generated bodies are what their labels say", () => {
  it("valid: JSON with an object and at least one entry", () => {
    for (const b of sample(validMetaBody)) {
      const json = JSON.parse(b.bytes.toString("utf8"));
      expect(typeof json.object).toBe("string");
      expect(json.entry.length).toBeGreaterThan(0);
    }
  });

  it("nearly valid: still JSON", () => {
    for (const b of sample(nearlyValidMetaBody)) expect(() => JSON.parse(b.bytes.toString("utf8"))).not.toThrow();
  });

  it("invalid UTF-8: refused by a strict decoder", () => {
    for (const b of sample(invalidUtf8Body)) expect(() => strictUtf8.decode(b.bytes)).toThrow();
  });

  it("deep nesting: at least 100 levels, within the byte budget", () => {
    for (const b of sample(deeplyNestedBody({ maxBytes: 8192 }))) {
      expect(b.bytes.length).toBeLessThanOrEqual(8192);
      expect(b.kind).toMatch(/^deep-nesting\((\d{3,})/);
    }
  });

  it("webhookBody stays within maxBytes and mixes all three families; oversizedBody exceeds the limit", () => {
    const bodies = sample(webhookBody({ maxBytes: 4096 }), 500);
    expect(Math.max(...bodies.map((b) => b.bytes.length))).toBeLessThanOrEqual(4096);
    expect(new Set(bodies.map((b) => b.family))).toEqual(new Set(["valid", "nearly-valid", "garbage"]));
    for (const b of sample(oversizedBody(1000))) expect(b.bytes.length).toBeGreaterThan(1000);
  });

  it("prints as a short label, not the whole buffer", () => {
    expect(fc.stringify(fuzzBody("garbage", "big", Buffer.alloc(100_000, 0x61))).length).toBeLessThan(300);
  });
});

describe("the ingress model", () => {
  const secrets = ["first-secret-123", "second-secret-456"];
  const body = fuzzBody("valid", "t", '{"object":"instagram","entry":[]}');
  const signed = Object.entries(metaWebhookHeaders(body.bytes, secrets[1]!));
  const outcome = (headers: [string, string][], bytes = body) =>
    expectedWebhookOutcome({ method: "POST", url: "/webhook", headers, body: bytes }, secrets, 100).status;

  it("merges headers as node does: lower case, trimmed, first content type, joined signatures", () => {
    expect(
      nodeHeaders([
        ["Content-Type", " a "],
        ["content-type", "b"],
        ["X-A", "1"],
        ["x-a", "2"],
      ]),
    ).toEqual({
      "content-type": "a",
      "x-a": "1, 2",
    });
  });

  it.each<[string, [string, string][], number | string]>([
    ["signed with either secret", signed, 200],
    ["no signature", signed.filter(([n]) => n !== "x-hub-signature-256"), 401],
    ["a repeated signature", [...signed, signed.find(([n]) => n === "x-hub-signature-256")!], 403],
    [
      "a non-JSON content type",
      signed.map(([n, v]): [string, string] => [n, n === "content-type" ? "text/plain" : v]),
      415,
    ],
  ])("%s -> %s", (_, headers, status) => {
    expect(outcome(headers)).toBe(status);
  });

  it("413 over the limit, 400 empty, 403 for other bytes", () => {
    expect(outcome(signed, fuzzBody("garbage", "big", Buffer.alloc(101)))).toBe(413);
    expect(outcome(Object.entries(metaWebhookHeaders("", secrets[0]!)), fuzzBody("garbage", "empty", ""))).toBe(400);
    expect(outcome(signed, fuzzBody("valid", "other", '{"object":"page","entry":[]}'))).toBe(403);
  });
});
