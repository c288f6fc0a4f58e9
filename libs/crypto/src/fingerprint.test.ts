import { describe, expect, it } from "vitest";
import { tokenFingerprint } from "./index.js";

describe("tokenFingerprint", () => {
  it("is the first 12 hex characters of sha256", () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(tokenFingerprint("abc")).toBe("ba7816bf8f01");
  });

  it("is stable, hashes UTF-8 and tells tokens apart", () => {
    expect(tokenFingerprint("EAAB-token")).toBe(tokenFingerprint("EAAB-token"));
    expect(tokenFingerprint("EAAB-token")).not.toBe(tokenFingerprint("EAAB-tokem"));
    expect(tokenFingerprint("é")).toMatch(/^[0-9a-f]{12}$/);
    expect(tokenFingerprint("EAAB-token")).not.toContain("EAAB");
  });
});
