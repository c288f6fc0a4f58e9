import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { EncryptedToken } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { TokenCipher, TokenCipherError, type TokenCipherErrorCode } from "./index.js";

const k1 = { id: "k1", key: randomBytes(32) };
const k2 = { id: "k2", key: randomBytes(32) };
const TOKEN = "EAAGm0PX4ZCpsBAKZBZCxyzSECRETTOKEN1234567890";

function thrown(fn: () => unknown): TokenCipherError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TokenCipherError);
    return err as TokenCipherError;
  }
  throw new Error("expected a TokenCipherError, nothing was thrown");
}

function expectCode(fn: () => unknown, code: TokenCipherErrorCode): TokenCipherError {
  const err = thrown(fn);
  expect(err.code).toBe(code);
  return err;
}

/** Replaces part `index` (0 = "v1") of a dotted token. */
function withPart(token: string, index: number, part: string): string {
  const parts = token.split(".");
  parts[index] = part;
  return parts.join(".");
}

/** Changes the first character of a base64url part, which always changes the decoded bytes. */
function flipFirstChar(part: string): string {
  return (part[0] === "A" ? "B" : "A") + part.slice(1);
}

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A 16-byte tag's last character carries 2 data bits and 4 unused ones; setting one gives the same bytes. */
function setUnusedBit(tag: string): string {
  return tag.slice(0, -1) + B64URL[B64URL.indexOf(tag.at(-1)!) | 1];
}

describe("TokenCipher round trip", () => {
  const cipher = TokenCipher.fromKeys([k1]);

  it.each([
    ["ascii", TOKEN],
    ["unicode", "tökén 🔐 日本語 — ünïcødé"],
    ["a single character", "x"],
    ["a long token", "EAAB".repeat(5000)],
  ])("decrypts %s back to the original", (_name, plain) => {
    const enc = cipher.encrypt(plain);
    expect(cipher.decrypt(enc)).toBe(plain);
  });

  it("writes the contract format: v1, active key id, 12-byte iv, 16-byte tag", () => {
    const enc = cipher.encrypt(TOKEN);
    expect(EncryptedToken.safeParse(enc).success).toBe(true);
    const [v, kid, iv, ct, tag] = enc.split(".");
    expect(v).toBe("v1");
    expect(kid).toBe("k1");
    expect(Buffer.from(iv!, "base64url")).toHaveLength(12);
    expect(Buffer.from(ct!, "base64url")).toHaveLength(Buffer.byteLength(TOKEN));
    expect(Buffer.from(tag!, "base64url")).toHaveLength(16);
    expect(enc).not.toContain(TOKEN);
  });

  it("matches the contract for unicode and long tokens too", () => {
    for (const plain of ["ü", "日本", "x".repeat(10_000)]) {
      expect(EncryptedToken.safeParse(cipher.encrypt(plain)).success).toBe(true);
    }
  });

  it("uses a fresh iv each time: two encryptions of one token differ", () => {
    const a = cipher.encrypt(TOKEN);
    const b = cipher.encrypt(TOKEN);
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
    expect(cipher.decrypt(a)).toBe(cipher.decrypt(b));
  });

  it("refuses to encrypt an empty token (it has no valid encoding)", () => {
    expectCode(() => cipher.encrypt(""), "IGDM_ERR_TOKEN_FORMAT");
  });
});

describe("TokenCipher tampering", () => {
  const cipher = TokenCipher.fromKeys([k1, k2]);
  const enc = cipher.encrypt(TOKEN);

  it.each([
    [2, "iv"],
    [3, "ciphertext"],
    [4, "tag"],
  ])("a changed %s part fails with TAMPERED", (index) => {
    const bad = withPart(enc, index, flipFirstChar(enc.split(".")[index]!));
    expectCode(() => cipher.decrypt(bad), "IGDM_ERR_TOKEN_TAMPERED");
  });

  it("a ciphertext with a bit flipped in the middle fails with TAMPERED", () => {
    const ct = Buffer.from(enc.split(".")[3]!, "base64url");
    ct[Math.floor(ct.length / 2)]! ^= 0x01;
    expectCode(() => cipher.decrypt(withPart(enc, 3, ct.toString("base64url"))), "IGDM_ERR_TOKEN_TAMPERED");
  });

  it("a truncated or extended ciphertext fails with TAMPERED", () => {
    const ct = Buffer.from(enc.split(".")[3]!, "base64url");
    for (const changed of [ct.subarray(0, -1), Buffer.concat([ct, Buffer.from([0])])]) {
      expectCode(() => cipher.decrypt(withPart(enc, 3, changed.toString("base64url"))), "IGDM_ERR_TOKEN_TAMPERED");
    }
  });

  it("swapping iv or tag with another encryption's fails with TAMPERED", () => {
    const other = cipher.encrypt(TOKEN).split(".");
    expectCode(() => cipher.decrypt(withPart(enc, 2, other[2]!)), "IGDM_ERR_TOKEN_TAMPERED");
    expectCode(() => cipher.decrypt(withPart(enc, 4, other[4]!)), "IGDM_ERR_TOKEN_TAMPERED");
  });

  it("no single-character change anywhere decrypts", () => {
    const alphabet = "AQgw_-9";
    for (let i = 0; i < enc.length; i++) {
      if (enc[i] === ".") continue;
      for (const c of alphabet) {
        if (c === enc[i]) continue;
        const bad = enc.slice(0, i) + c + enc.slice(i + 1);
        thrown(() => cipher.decrypt(bad));
      }
    }
  });

  it("relabelling with another known key id fails, even when that id holds the same key bytes", () => {
    // Same bytes under two ids: only the key id in the AAD tells them apart.
    const twins = TokenCipher.fromKeys([
      { id: "a", key: k1.key },
      { id: "b", key: k1.key },
    ]);
    const fromA = twins.encrypt(TOKEN);
    expect(twins.decrypt(fromA)).toBe(TOKEN);
    expectCode(() => twins.decrypt(withPart(fromA, 1, "b")), "IGDM_ERR_TOKEN_TAMPERED");
    expectCode(() => cipher.decrypt(withPart(enc, 1, "k2")), "IGDM_ERR_TOKEN_TAMPERED");
  });

  it("an unknown key id fails with KEY_UNKNOWN", () => {
    const err = expectCode(() => cipher.decrypt(withPart(enc, 1, "k9")), "IGDM_ERR_TOKEN_KEY_UNKNOWN");
    expect(err.message).toContain("k9");
    expectCode(() => TokenCipher.fromKeys([k2]).decrypt(enc), "IGDM_ERR_TOKEN_KEY_UNKNOWN");
  });
});

describe("TokenCipher rotation", () => {
  const before = TokenCipher.fromKeys([k1]);
  const after = TokenCipher.fromKeys([k2, k1]);
  const old = before.encrypt(TOKEN);

  it("the first key is active", () => {
    expect(before.activeKeyId).toBe("k1");
    expect(after.activeKeyId).toBe("k2");
  });

  it("old ciphertexts still decrypt after a new active key is added", () => {
    expect(after.decrypt(old)).toBe(TOKEN);
  });

  it("new ciphertexts use the new key and the old key set cannot read them", () => {
    const fresh = after.encrypt(TOKEN);
    expect(fresh.split(".")[1]).toBe("k2");
    expect(after.decrypt(fresh)).toBe(TOKEN);
    expectCode(() => before.decrypt(fresh), "IGDM_ERR_TOKEN_KEY_UNKNOWN");
  });

  it("needsReEncryption is true for the old key (and unknown keys), false for the active one", () => {
    expect(after.needsReEncryption(old)).toBe(true);
    expect(after.needsReEncryption(after.encrypt(TOKEN))).toBe(false);
    expect(before.needsReEncryption(old)).toBe(false);
    expect(after.needsReEncryption(withPart(old, 1, "retired"))).toBe(true);
  });

  it("re-encrypting moves a token to the active key", () => {
    const moved = after.encrypt(after.decrypt(old));
    expect(after.needsReEncryption(moved)).toBe(false);
    expect(after.decrypt(moved)).toBe(TOKEN);
  });
});

describe("TokenCipher malformed input", () => {
  const cipher = TokenCipher.fromKeys([k1]);
  const enc = cipher.encrypt(TOKEN);
  const [, , iv, ct, tag] = enc.split(".");

  it.each([
    ["empty", ""],
    ["a clear token", TOKEN],
    ["too few parts", `v1.k1.${iv}.${ct}`],
    ["too many parts", `${enc}.AAAA`],
    ["another version", withPart(enc, 0, "v2")],
    ["an empty key id", withPart(enc, 1, "")],
    ["a key id over 32 characters", withPart(enc, 1, "k".repeat(33))],
    ["an empty ciphertext part", withPart(enc, 3, "")],
    ["standard base64 characters", withPart(enc, 3, `${ct}+/`)],
    ["padding", withPart(enc, 4, `${tag}==`)],
    ["whitespace", ` ${enc}`],
    ["an 8-byte iv", withPart(enc, 2, Buffer.alloc(8).toString("base64url"))],
    ["a 12-byte tag", withPart(enc, 4, Buffer.alloc(12).toString("base64url"))],
    ["a non-canonical tag encoding", withPart(enc, 4, setUnusedBit(tag!))],
  ])("%s fails with FORMAT", (_name, bad) => {
    expectCode(() => cipher.decrypt(bad), "IGDM_ERR_TOKEN_FORMAT");
    expectCode(() => cipher.needsReEncryption(bad), "IGDM_ERR_TOKEN_FORMAT");
  });

  it("the non-canonical tag above really decodes to the same bytes", () => {
    expect(setUnusedBit(tag!)).not.toBe(tag);
    expect(Buffer.from(setUnusedBit(tag!), "base64url").equals(Buffer.from(tag!, "base64url"))).toBe(true);
  });

  it("non-strings fail with FORMAT", () => {
    expectCode(() => cipher.decrypt(undefined as unknown as string), "IGDM_ERR_TOKEN_FORMAT");
    expectCode(() => cipher.decrypt(42 as unknown as string), "IGDM_ERR_TOKEN_FORMAT");
  });
});

describe("TokenCipher secrecy of errors and state", () => {
  const cipher = TokenCipher.fromKeys([k1, k2]);
  const enc = cipher.encrypt(TOKEN);
  const secrets = [TOKEN, k1.key.toString("base64"), k1.key.toString("base64url"), k1.key.toString("hex")];

  function expectClean(text: string): void {
    for (const s of secrets) expect(text).not.toContain(s);
  }

  it("error messages and serialisations never contain the plaintext, the input or key material", () => {
    const errors = [
      thrown(() => cipher.decrypt(TOKEN)),
      thrown(() => cipher.decrypt(`v1.k1.${TOKEN}`)),
      thrown(() => cipher.decrypt(withPart(enc, 1, "k9"))),
      thrown(() => cipher.decrypt(withPart(enc, 4, flipFirstChar(enc.split(".")[4]!)))),
      thrown(() => cipher.decrypt(withPart(enc, 1, "k2"))),
      thrown(() => cipher.encrypt("")),
    ];
    for (const err of errors) {
      expect(err.name).toBe("TokenCipherError");
      expect(err.cause).toBeUndefined();
      expectClean(`${err.message}\n${err.stack}\n${inspect(err)}\n${JSON.stringify(err)}`);
      expect(err.message).not.toContain(enc.split(".")[3]);
    }
  });

  it("inspecting or serialising the cipher shows no key bytes", () => {
    expectClean(inspect(cipher, { depth: 10, showHidden: true }));
    expectClean(JSON.stringify(cipher));
  });

  it("keeps its own copy of the keys", () => {
    const key = Buffer.from(k1.key);
    const own = TokenCipher.fromKeys([{ id: "k1", key }]);
    const before = own.encrypt(TOKEN);
    key.fill(0);
    expect(own.decrypt(before)).toBe(TOKEN);
  });
});

describe("TokenCipher.fromKeys", () => {
  it.each([
    ["no keys", []],
    ["a 16-byte key", [{ id: "k1", key: randomBytes(16) }]],
    ["a 33-byte key", [{ id: "k1", key: randomBytes(33) }]],
    ["a bad key id", [{ id: "k.1", key: randomBytes(32) }]],
    ["a duplicate key id", [k1, { id: "k1", key: randomBytes(32) }]],
  ])("rejects %s", (_name, keys) => {
    expect(() => TokenCipher.fromKeys(keys)).toThrow(RangeError);
  });

  it("does not echo the key in its error", () => {
    const key = randomBytes(16);
    expect(() => TokenCipher.fromKeys([{ id: "k1", key }])).toThrow("TokenCipher: key 'k1' must be 32 bytes");
    try {
      TokenCipher.fromKeys([{ id: "k1", key }]);
    } catch (err) {
      expect(String(err)).not.toContain(key.toString("base64"));
      expect(String(err)).not.toContain(key.toString("hex"));
    }
  });
});
