export type TokenCipherErrorCode = "IGDM_ERR_TOKEN_KEY_UNKNOWN" | "IGDM_ERR_TOKEN_TAMPERED" | "IGDM_ERR_TOKEN_FORMAT";

/**
 * The only error encrypt/decrypt throw. Callers branch on `code`; messages are fixed texts (plus at most a key id),
 * never the plaintext, the ciphertext or key material, so the error is safe to log as is. No `cause` is attached for
 * the same reason.
 */
export class TokenCipherError extends Error {
  override readonly name = "TokenCipherError";

  constructor(
    readonly code: TokenCipherErrorCode,
    message: string,
  ) {
    super(message);
  }
}
