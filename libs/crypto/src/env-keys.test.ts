import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeySpec, TokenCipher, TokenEncryptionKeys } from "./index.js";

const key32 = randomBytes(32);
const key16 = randomBytes(16);

/** Parses and returns every issue message, plus the whole error serialised, to check for leaks. */
function failure(value: unknown): { messages: string[]; everything: string } {
  const result = TokenEncryptionKeys.safeParse(value);
  expect(result.success).toBe(false);
  const error = result.error!;
  return {
    messages: error.issues.map((i) => i.message),
    everything: `${error.message}\n${JSON.stringify(error.issues)}\n${String(error)}`,
  };
}

function expectNoKeyMaterial(text: string, ...keys: Buffer[]): void {
  for (const k of keys) {
    for (const enc of ["base64", "base64url", "hex"] as const) expect(text).not.toContain(k.toString(enc));
  }
}

describe("TokenEncryptionKeys", () => {
  it("parses one key", () => {
    expect(TokenEncryptionKeys.parse(`k1:${key32.toString("base64")}`)).toEqual([{ id: "k1", key: key32 }]);
  });

  it("parses several keys in order, in base64 or base64url, with or without padding, around whitespace", () => {
    const other = randomBytes(32);
    const third = randomBytes(32);
    const spec = ` new_2025:${other.toString("base64url")} , old-1:${key32.toString("base64")},\n${"z".repeat(32)}:${third.toString("base64").replace(/=+$/, "")}\n`;
    const keys = TokenEncryptionKeys.parse(spec);
    expect(keys.map((k) => k.id)).toEqual(["new_2025", "old-1", "z".repeat(32)]);
    expect(keys[0]!.key.equals(other)).toBe(true);
    expect(keys[1]!.key.equals(key32)).toBe(true);
    expect(keys[2]!.key.equals(third)).toBe(true);
  });

  it("feeds TokenCipher.fromKeys directly", () => {
    const cipher = TokenCipher.fromKeys(
      TokenEncryptionKeys.parse(`k2:${randomBytes(32).toString("base64")},${generateKeySpec("k1")}`),
    );
    expect(cipher.activeKeyId).toBe("k2");
    expect(cipher.decrypt(cipher.encrypt("token"))).toBe("token");
  });

  it("rejects a key of the wrong length, naming the id and the length only", () => {
    const { messages, everything } = failure(`k1:${key16.toString("base64")}`);
    expect(messages).toEqual(["TOKEN_ENCRYPTION_KEYS: key 'k1' must be 32 bytes (got 16)"]);
    expectNoKeyMaterial(everything, key16);
  });

  it("rejects a 33-byte and an empty key", () => {
    const long = randomBytes(33);
    expect(failure(`k1:${long.toString("base64")}`).messages).toEqual([
      "TOKEN_ENCRYPTION_KEYS: key 'k1' must be 32 bytes (got 33)",
    ]);
    expect(failure("k1:").messages).toEqual(["TOKEN_ENCRYPTION_KEYS: key 'k1' must be 32 bytes (got 0)"]);
  });

  it("rejects duplicate ids", () => {
    const other = randomBytes(32);
    const { messages, everything } = failure(`k1:${key32.toString("base64")},k1:${other.toString("base64")}`);
    expect(messages).toEqual(["TOKEN_ENCRYPTION_KEYS: key id 'k1' appears more than once"]);
    expectNoKeyMaterial(everything, key32, other);
  });

  it.each([
    ["a dot", "k.1"],
    ["a space inside", "k 1"],
    ["an empty id", ""],
    ["33 characters", "k".repeat(33)],
  ])("rejects an id with %s", (_name, id) => {
    const { messages, everything } = failure(`${id}:${key32.toString("base64")}`);
    expect(messages).toEqual(["TOKEN_ENCRYPTION_KEYS: entry 1 has an invalid key id (expected ^[A-Za-z0-9_-]{1,32}$)"]);
    expectNoKeyMaterial(everything, key32);
  });

  it("does not echo an entry written the wrong way round (key:id)", () => {
    const { messages, everything } = failure(`${key32.toString("base64")}:k1`);
    expect(messages).toHaveLength(1);
    expectNoKeyMaterial(everything, key32);
  });

  it("rejects an entry without a separator without echoing it", () => {
    const { messages, everything } = failure(`k1:${key32.toString("base64")},${key16.toString("base64")}`);
    expect(messages).toEqual(["TOKEN_ENCRYPTION_KEYS: entry 2 must be kid:base64key"]);
    expectNoKeyMaterial(everything, key32, key16);
  });

  it("rejects characters outside base64 rather than skipping them", () => {
    const spec = `k1:${key32.toString("base64").slice(0, 20)}!!${key32.toString("base64").slice(20)}`;
    const { messages, everything } = failure(spec);
    expect(messages).toEqual(["TOKEN_ENCRYPTION_KEYS: key 'k1' is not base64 or base64url"]);
    expect(everything).not.toContain(spec.slice(3));
  });

  it("reports every problem at once", () => {
    const { messages } = failure(`a:${key16.toString("base64")},b.b:${key32.toString("base64")},a:x`);
    expect(messages).toEqual([
      "TOKEN_ENCRYPTION_KEYS: key 'a' must be 32 bytes (got 16)",
      "TOKEN_ENCRYPTION_KEYS: entry 2 has an invalid key id (expected ^[A-Za-z0-9_-]{1,32}$)",
      "TOKEN_ENCRYPTION_KEYS: key id 'a' appears more than once",
    ]);
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
  ])("rejects an %s value", (_name, value) => {
    expect(failure(value).messages).toEqual([
      "TOKEN_ENCRYPTION_KEYS: no keys (expected kid:base64key[,kid:base64key...])",
    ]);
  });

  it("rejects an empty entry (a stray comma)", () => {
    expect(failure(`k1:${key32.toString("base64")},`).messages).toEqual([
      "TOKEN_ENCRYPTION_KEYS: entry 2 must be kid:base64key",
    ]);
  });

  it("rejects a missing variable with a readable message", () => {
    expect(failure(undefined).messages).toEqual(["TOKEN_ENCRYPTION_KEYS: required (kid:base64key[,kid:base64key...])"]);
  });
});

describe("generateKeySpec", () => {
  it("returns a fresh id:base64 spec of a 32-byte key that parses", () => {
    const a = generateKeySpec("k1");
    const b = generateKeySpec("k1");
    expect(a).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    const [key] = TokenEncryptionKeys.parse(a);
    expect(key!.id).toBe("k1");
    expect(key!.key).toHaveLength(32);
  });

  it("rejects an invalid id", () => {
    expect(() => generateKeySpec("bad id")).toThrow(RangeError);
    expect(() => generateKeySpec("")).toThrow(RangeError);
  });
});
