import { describe, expect, it } from "vitest";
import { findLeakedSecrets } from "./secret-scan.js";

const TOKEN = "s3cr3t/Token+with spaces&more=ünïcode";
const PLAIN = "test-admin-token-0123456789abcdef";
const secrets = { token: TOKEN, admin: PLAIN };

describe("findLeakedSecrets", () => {
  it("finds nothing in texts that hold no secret", () => {
    expect(findLeakedSecrets(['{"error":{"code":"IGDM_ERR_ADMIN_AUTH"}}', "", "test-admin-token"], secrets)).toEqual(
      [],
    );
  });

  it("finds a secret written as is, naming the secret by label and the text by position or name", () => {
    const leaks = findLeakedSecrets(
      ["nothing here", `Bearer ${PLAIN}`, { where: "log line 3", text: `{"msg":"x","token":"${PLAIN}"}` }],
      secrets,
    );
    expect(leaks).toEqual([
      { secret: "admin", where: "text #1", form: "plain", at: 7 },
      { secret: "admin", where: "log line 3", form: "plain", at: 20 },
    ]);
  });

  it("finds URL-, form- and JSON-encoded forms, percent escapes in either case", () => {
    const lowerEscapes = encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    const cases: [string, string][] = [
      [`/cb?t=${encodeURIComponent(TOKEN)}`, "url-encoded"],
      [`/cb?t=${lowerEscapes}`, "url-encoded"],
      [new URLSearchParams({ t: TOKEN }).toString(), "form-encoded"],
      [JSON.stringify({ quoted: `say "${TOKEN}"` }), "plain"],
    ];
    for (const [text, form] of cases) {
      expect(findLeakedSecrets([text], { token: TOKEN }), text).toEqual([
        { secret: "token", where: "text #0", form, at: expect.any(Number) },
      ]);
    }
    const quoteSecret = 'pass"word\\with-escapes';
    expect(findLeakedSecrets([JSON.stringify({ password: quoteSecret })], { q: quoteSecret })).toEqual([
      { secret: "q", where: "text #0", form: "json-escaped", at: 13 },
    ]);
  });

  it("finds base64 and base64url at every alignment inside a longer encoded value", () => {
    for (const prefix of ["", "a", "ab", "abc", "admin:"]) {
      const basic = `Basic ${Buffer.from(`${prefix}${TOKEN}!`).toString("base64")}`;
      expect(findLeakedSecrets([basic], { token: TOKEN }), prefix).toEqual([
        { secret: "token", where: "text #0", form: "base64", at: expect.any(Number) },
      ]);
      const url = Buffer.from(`${prefix}${TOKEN}`).toString("base64url");
      expect(findLeakedSecrets([url], { token: TOKEN })[0]?.form, prefix).toMatch(/^base64(url)?$/);
    }
    // A token whose base64 has + or / only matches as base64url once those are swapped.
    const slashy = "\u00ff\u00ff\u00ff\u00fe\u00ff\u00ff\u00ff\u00fe";
    const b64url = Buffer.from(slashy).toString("base64url");
    expect(b64url).toMatch(/[-_]/);
    expect(findLeakedSecrets([b64url], { s: slashy })).toEqual([
      { secret: "s", where: "text #0", form: "base64url", at: 0 },
    ]);
  });

  it("finds hex in either case", () => {
    const hex = Buffer.from(PLAIN).toString("hex");
    expect(findLeakedSecrets([`0x${hex.toUpperCase()}`], secrets)).toEqual([
      { secret: "admin", where: "text #0", form: "hex", at: 2 },
    ]);
  });

  it("does not match a different secret that shares a prefix", () => {
    expect(findLeakedSecrets([PLAIN.slice(0, -1), `${PLAIN.slice(0, -1)}X`], { admin: PLAIN })).toEqual([]);
  });

  it("never puts the secret itself in its report", () => {
    const leaks = findLeakedSecrets([TOKEN, encodeURIComponent(TOKEN), Buffer.from(TOKEN).toString("base64")], {
      token: TOKEN,
    });
    expect(leaks).toHaveLength(3);
    expect(JSON.stringify(leaks)).not.toContain(TOKEN);
    expect(findLeakedSecrets(JSON.stringify(leaks).split(","), { token: TOKEN })).toEqual([]);
  });

  it("refuses secrets too short to scan for reliably", () => {
    expect(() => findLeakedSecrets(["x"], { short: "abc" })).toThrow(/"short" is shorter than 8/);
    expect(() => findLeakedSecrets(["x"], { empty: "" })).toThrow(/"empty"/);
  });
});
