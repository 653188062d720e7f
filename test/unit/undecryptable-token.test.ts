import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { AccessTokenProvider } from '../../src/qbo/auth/access-tokens.js';
import { windowOutcome } from '../../src/model/errors/index.js';
import { UndecryptableTokenError } from '../../src/qbo/auth/token-errors.js';
import { useTestDatabase } from '../helpers/db.js';

const keyOf = (s: string) => createHash('sha256').update(s).digest();

describe('a stored token read with another TOKEN_ENCRYPTION_KEY', () => {
  const tdb = useTestDatabase();

  it('halts the run with a message that says what to fix, and never calls the token endpoint', async () => {
    await setRefreshToken(tdb().db, keyOf('the key it was stored with'), '77', 'some-refresh-token');
    const provider = new AccessTokenProvider({
      db: tdb().db,
      // Nothing listens here: reaching the endpoint would fail differently.
      tokenUrl: 'http://127.0.0.1:9/oauth2/v1/tokens/bearer',
      clientId: 'id',
      clientSecret: 'secret',
      encryptionKey: keyOf('another key'),
      logger: pino({ level: 'silent' }),
    });
    try {
      await assert.rejects(provider.getAccessToken('77'), (err: unknown) => {
        assert.ok(err instanceof UndecryptableTokenError, String(err));
        assert.equal(windowOutcome(err), 'halt-run');
        assert.equal(
          err.message,
          'stored tokens of realm 77 cannot be decrypted (stored tokens cannot be decrypted with this TOKEN_ENCRYPTION_KEY): ' +
            'set TOKEN_ENCRYPTION_KEY to the key they were stored with, or store a new refresh token with: qbo-backfill auth set --realm 77',
        );
        return true;
      });
    } finally {
      await provider.close();
    }
  });
});
