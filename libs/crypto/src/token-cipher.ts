import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { additionalData, formatToken, IV_BYTES, parseToken, TAG_BYTES } from "./ciphertext-format.js";
import { TokenCipherError } from "./errors.js";
import { KEY_BYTES, KEY_ID_PATTERN, type TokenKey } from "./keys.js";

const ALGORITHM = "aes-256-gcm";

/**
 * Encrypts access tokens with AES-256-GCM into the contract's `v1.<key id>.<iv>.<ciphertext>.<tag>` format.
 * Rotation: put the new key first (it encrypts) and keep the old ones after it (they still decrypt) until
 * `needsReEncryption` finds nothing left under them.
 */
export class TokenCipher {
  /** KeyObjects, in a private field: logging or inspecting the cipher never prints key bytes. */
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly activeKeyId: string;

  private constructor(keys: ReadonlyMap<string, KeyObject>, activeKeyId: string) {
    this.#keys = keys;
    this.activeKeyId = activeKeyId;
  }

  /**
   * The first key is the active one. Invalid configuration (no keys, a bad or repeated id, a key that is not 32
   * bytes) is a startup bug and throws a RangeError naming the key id only.
   */
  static fromKeys(keys: ReadonlyArray<TokenKey>): TokenCipher {
    if (keys.length === 0) throw new RangeError("TokenCipher: at least one key is required");
    const byId = new Map<string, KeyObject>();
    keys.forEach(({ id, key }, i) => {
      if (typeof id !== "string" || !KEY_ID_PATTERN.test(id)) {
        throw new RangeError(`TokenCipher: key #${i + 1} has an invalid id (expected ${KEY_ID_PATTERN.source})`);
      }
      if (byId.has(id)) throw new RangeError(`TokenCipher: key id '${id}' appears more than once`);
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new RangeError(`TokenCipher: key '${id}' must be ${KEY_BYTES} bytes`);
      }
      // createSecretKey copies the bytes: later changes to (or zeroing of) the caller's buffer do not reach us.
      byId.set(id, createSecretKey(key));
    });
    return new TokenCipher(byId, keys[0]!.id);
  }

  encrypt(plain: string): string {
    // An empty token has no valid encoding: the contract requires a non-empty ciphertext part.
    if (typeof plain !== "string" || plain.length === 0) {
      throw new TokenCipherError("IGDM_ERR_TOKEN_FORMAT", "cannot encrypt an empty token");
    }
    const keyId = this.activeKeyId;
    // A fresh random 96-bit IV per message: GCM is only safe if an IV is never reused under one key.
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId));
    const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return formatToken({ keyId, iv, ciphertext, tag: cipher.getAuthTag() });
  }

  decrypt(token: string): string {
    const { keyId, iv, ciphertext, tag } = parseToken(token);
    const key = this.#keys.get(keyId);
    if (!key) throw new TokenCipherError("IGDM_ERR_TOKEN_KEY_UNKNOWN", `no token key with id '${keyId}'`);
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(tag);
    try {
      // GCM releases nothing unauthenticated: final() throws if any part, or the key id, was changed.
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch {
      throw new TokenCipherError("IGDM_ERR_TOKEN_TAMPERED", `encrypted token failed authentication (key '${keyId}')`);
    }
  }

  /**
   * True when the token was written under a key other than the active one (including a key no longer held).
   * Reads the key id only, without authenticating: decrypt before re-encrypting. Throws FORMAT if malformed.
   */
  needsReEncryption(token: string): boolean {
    return parseToken(token).keyId !== this.activeKeyId;
  }
}
