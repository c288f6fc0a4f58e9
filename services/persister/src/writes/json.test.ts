import { describe, expect, it } from "vitest";
import { jsonRows, storableJson } from "./json.js";

describe("storableJson", () => {
  it("replaces NUL and unpaired surrogate escapes with U+FFFD", () => {
    expect(storableJson('"a\\u0000b"')).toBe('"a\\ufffdb"');
    expect(storableJson('"\\ud800x"')).toBe('"\\ufffdx"');
    expect(storableJson('"x\\udc00"')).toBe('"x\\ufffd"');
    expect(storableJson('"\\uD800\\uD800"')).toBe('"\\ufffd\\ufffd"');
  });

  it("keeps escaped surrogate pairs, other escapes and escaped backslashes", () => {
    const text = '"\\ud83d\\ude00 \\u00e4 \\\\u0000 \\\\\\\\ud800 \\n"';
    expect(storableJson(text)).toBe(text);
  });

  it("treats an escape after an escaped backslash as an escape", () => {
    expect(storableJson('"\\\\\\u0000"')).toBe('"\\\\\\ufffd"');
  });

  it("returns text without escapes unchanged", () => {
    const text = '{"a":"ä😀"}';
    expect(storableJson(text)).toBe(text);
  });
});

describe("jsonRows", () => {
  it("serialises rows, leaving out undefined fields, and makes lone surrogates and NUL storable", () => {
    expect(jsonRows([{ a: 1, b: undefined, c: "x\u0000\ud800\u{1f600}" }])).toBe('[{"a":1,"c":"x\\ufffd\\ufffd😀"}]');
  });
});
