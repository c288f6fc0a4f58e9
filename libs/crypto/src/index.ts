export { generateKeySpec, TokenEncryptionKeys } from "./env-keys.js";
export { TokenCipherError, type TokenCipherErrorCode } from "./errors.js";
export { tokenFingerprint } from "./fingerprint.js";
export type { TokenKey } from "./keys.js";
export { TokenCipher } from "./token-cipher.js";
