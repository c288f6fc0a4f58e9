/** A named AES-256 key. The id travels in every ciphertext so the right key is found after a rotation. */
export type TokenKey = { id: string; key: Buffer };

/** Same pattern as the key id part of the contract's `EncryptedToken`. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** AES-256. */
export const KEY_BYTES = 32;
