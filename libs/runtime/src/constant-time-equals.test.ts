import { describe, expect, it } from "vitest";
import { constantTimeEquals } from "./constant-time-equals.js";

const TOKEN = "test-admin-token-0123456789abcdef";

describe("constantTimeEquals", () => {
  it("is true for equal strings, and for equal bytes given as a string or a buffer", () => {
    expect(constantTimeEquals(TOKEN, TOKEN)).toBe(true);
    expect(constantTimeEquals(`${TOKEN}`.slice(0), TOKEN)).toBe(true);
    expect(constantTimeEquals(Buffer.from(TOKEN), TOKEN)).toBe(true);
    expect(constantTimeEquals("Grüße", Buffer.from("Grüße", "utf8"))).toBe(true);
    expect(constantTimeEquals("", "")).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["a prefix", TOKEN.slice(0, -1)],
    ["one character longer", `${TOKEN}x`],
    ["upper-cased", TOKEN.toUpperCase()],
    ["one character changed", `${TOKEN.slice(0, -1)}e`],
    ["padded with whitespace", ` ${TOKEN} `],
    ["a NUL-terminated copy", `${TOKEN}\0`],
  ])("is false for %s, whatever the lengths (no throw on a length mismatch)", (_, given) => {
    expect(constantTimeEquals(given, TOKEN)).toBe(false);
    expect(constantTimeEquals(TOKEN, given)).toBe(false);
  });

  it("compares bytes, not normalised text", () => {
    // The same visible "é" as one code point and as e + combining accent.
    expect(constantTimeEquals("caf\u00e9-token", "cafe\u0301-token")).toBe(false);
  });
});
