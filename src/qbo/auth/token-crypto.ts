import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of OAuth tokens: AES-256-GCM, so a stored value that was altered (or read
 * with another key) is refused instead of being decrypted into garbage and sent to Intuit.
 *
 * Stored format: `v1:<iv b64>:<tag b64>:<ciphertext b64>`. The version prefix leaves room for a
 * later algorithm or key rotation without guessing what an old value is.
 */
const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
/** 96-bit IVs are GCM's native size; a fresh random one per value means no IV is ever reused. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A stored token cannot be decrypted: another key, or a tampered or malformed value. */
export class TokenDecryptError extends Error {
  override readonly name = 'TokenDecryptError';
  constructor(message = 'stored tokens cannot be decrypted with this TOKEN_ENCRYPTION_KEY') {
    super(message);
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new Error(`token encryption key must be ${KEY_BYTES} bytes (got ${key.length})`);
  }
}

/** Encrypts one token for storage. */
export function encryptToken(plaintext: string, key: Buffer): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64'), tag.toString('base64'), data.toString('base64')].join(':');
}

/** Decrypts a value written by {@link encryptToken}; throws {@link TokenDecryptError} otherwise. */
export function decryptToken(stored: string, key: Buffer): string {
  checkKey(key);
  const parts = stored.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new TokenDecryptError(
      `stored token is not in the ${VERSION} format; store a new one with auth set`,
    );
  }
  const iv = Buffer.from(parts[1] ?? '', 'base64');
  const tag = Buffer.from(parts[2] ?? '', 'base64');
  const data = Buffer.from(parts[3] ?? '', 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new TokenDecryptError(
      `stored token is not in the ${VERSION} format; store a new one with auth set`,
    );
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell a wrong key from tampering; the wrong key is by far the likelier cause.
    throw new TokenDecryptError();
  }
}
