import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decryptToken, encryptToken, TokenDecryptError } from '../../src/qbo/auth/token-crypto.js';

const key = createHash('sha256').update('a-test-key-of-at-least-thirty-two-chars').digest();
const otherKey = createHash('sha256').update('another-test-key-of-at-least-32-chars!!').digest();
const TOKEN = 'AB11-refresh-token-value-0123456789';

void describe('token encryption', () => {
  void it('round-trips, with a fresh IV each time and no plaintext in the stored form', () => {
    const a = encryptToken(TOKEN, key);
    const b = encryptToken(TOKEN, key);
    assert.match(a, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    assert.notEqual(a, b);
    assert.ok(!a.includes(TOKEN));
    assert.equal(Buffer.from(a.split(':')[1] ?? '', 'base64').length, 12);
    assert.equal(decryptToken(a, key), TOKEN);
    assert.equal(decryptToken(b, key), TOKEN);
  });

  void it('rejects a tampered ciphertext or tag', () => {
    const [v, iv, tag, data] = encryptToken(TOKEN, key).split(':') as [string, string, string, string];
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] = (buf[0] ?? 0) ^ 1;
      return buf.toString('base64');
    };
    assert.throws(() => decryptToken([v, iv, tag, flip(data)].join(':'), key), TokenDecryptError);
    assert.throws(() => decryptToken([v, iv, flip(tag), data].join(':'), key), TokenDecryptError);
    assert.throws(() => decryptToken([v, flip(iv), tag, data].join(':'), key), TokenDecryptError);
    assert.throws(() => decryptToken('v2:a:b:c', key), TokenDecryptError);
    assert.throws(() => decryptToken('not encrypted', key), TokenDecryptError);
  });

  void it('names TOKEN_ENCRYPTION_KEY when the key is wrong', () => {
    const stored = encryptToken(TOKEN, key);
    assert.throws(
      () => decryptToken(stored, otherKey),
      (err: unknown) =>
        err instanceof TokenDecryptError &&
        err.message === 'stored tokens cannot be decrypted with this TOKEN_ENCRYPTION_KEY' &&
        !err.message.includes(TOKEN),
    );
  });
});
