import { TokenCipherError } from "./errors.js";

/** Wire format, fixed by `EncryptedToken` in @igdm/contracts: `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url. */
export const FORMAT_VERSION = "v1";
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

const TOKEN_PATTERN = /^v1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

export type TokenParts = { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer };

/** The GCM additional authenticated data: binds version and key id, so neither can be swapped undetected. */
export function additionalData(keyId: string): Buffer {
  return Buffer.from(`${FORMAT_VERSION}.${keyId}`, "utf8");
}

export function formatToken({ keyId, iv, ciphertext, tag }: TokenParts): string {
  return [FORMAT_VERSION, keyId, iv, ciphertext, tag]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** Never echoes the input: a caller may pass a clear token here by mistake. */
export function parseToken(token: string): TokenParts {
  const m = typeof token === "string" ? TOKEN_PATTERN.exec(token) : null;
  if (!m) throw formatError("not a v1 encrypted token (v1.<key id>.<iv>.<ciphertext>.<tag>)");
  const iv = decodeCanonical(m[2]!, "iv");
  const ciphertext = decodeCanonical(m[3]!, "ciphertext");
  const tag = decodeCanonical(m[4]!, "tag");
  if (iv.length !== IV_BYTES) throw formatError(`iv must be ${IV_BYTES} bytes`);
  if (tag.length !== TAG_BYTES) throw formatError(`tag must be ${TAG_BYTES} bytes`);
  return { keyId: m[1]!, iv, ciphertext, tag };
}

/**
 * Node's decoder ignores the unused low bits of the last character, so several strings decode to the same bytes;
 * only the one we would have written is accepted, which keeps ciphertext strings unique and edits detectable.
 */
function decodeCanonical(part: string, name: string): Buffer {
  const bytes = Buffer.from(part, "base64url");
  if (bytes.toString("base64url") !== part) throw formatError(`${name} is not canonical base64url`);
  return bytes;
}

function formatError(detail: string): TokenCipherError {
  return new TokenCipherError("IGDM_ERR_TOKEN_FORMAT", `malformed encrypted token: ${detail}`);
}
