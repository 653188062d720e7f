import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  getTokenStatus,
  insertRefreshTokenIfMissing,
  lockTokens,
  readTokens,
  saveRefreshedTokens,
  setRefreshToken,
} from '../../src/qbo/auth/token-store.js';

const key = createHash('sha256').update('a-test-key-of-at-least-thirty-two-chars').digest();

void describe('token store', () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb.drop();
  });

  void it('bootstrap inserts only when the realm has no row; the stored token wins after that', async () => {
    assert.equal(await insertRefreshTokenIfMissing(tdb.db, key, '101', 'first-token'), true);
    assert.equal(await insertRefreshTokenIfMissing(tdb.db, key, '101', 'env-token-again'), false);
    const stored = await readTokens(tdb.db, key, '101');
    assert.equal(stored?.refreshToken, 'first-token');
    assert.equal(stored?.accessToken, null);
  });

  void it('stores tokens encrypted and a refresh result in place', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    await setRefreshToken(tdb.db, key, '102', 'operator-token', { now });
    await tdb.db.transaction().execute(async (trx) => {
      const locked = await lockTokens(trx, key, '102');
      assert.equal(locked?.refreshToken, 'operator-token');
      await saveRefreshedTokens(trx, key, '102', {
        accessToken: 'access-1',
        accessTokenExpiresAt: new Date('2026-01-01T01:00:00Z'),
        refreshToken: 'rotated-token',
        refreshTokenExpiresAt: new Date('2026-04-01T00:00:00Z'),
        rotated: true,
        refreshedAt: now,
      });
    });
    const raw = await tdb.db
      .selectFrom('ops.tokens')
      .selectAll()
      .where('realm_id', '=', '102')
      .executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(raw).includes('rotated-token'));
    assert.ok(!JSON.stringify(raw).includes('access-1'));
    assert.equal(raw.refresh_count, 1);
    const stored = await readTokens(tdb.db, key, '102');
    assert.equal(stored?.refreshToken, 'rotated-token');
    assert.equal(stored?.accessToken, 'access-1');
  });

  void it('auth set replaces the refresh token and clears the access token', async () => {
    await setRefreshToken(tdb.db, key, '102', 'replacement-token');
    const stored = await readTokens(tdb.db, key, '102');
    assert.equal(stored?.refreshToken, 'replacement-token');
    assert.equal(stored?.accessToken, null);
    assert.equal(stored?.accessTokenExpiresAt, null);
  });

  void it('status reports ages and expiries, never values', async () => {
    const now = new Date('2026-01-01T00:30:00Z');
    await setRefreshToken(tdb.db, key, '103', 'status-token', { now: new Date('2026-01-01T00:00:00Z') });
    await tdb.db.transaction().execute(async (trx) => {
      await saveRefreshedTokens(trx, key, '103', {
        accessToken: 'access-status',
        accessTokenExpiresAt: new Date('2026-01-01T01:00:00Z'),
        refreshToken: 'status-token',
        refreshTokenExpiresAt: null,
        rotated: false,
        refreshedAt: new Date('2026-01-01T00:00:00Z'),
      });
    });
    const [status] = await getTokenStatus(tdb.db, { realmId: '103', now });
    assert.deepEqual(status, {
      realmId: '103',
      companyName: null,
      connectedAt: new Date('2026-01-01T00:00:00Z'),
      refreshTokenHardExpiresAt: null,
      refreshTokenObtainedAt: new Date('2026-01-01T00:00:00Z'),
      refreshTokenAgeSeconds: 1800,
      refreshTokenExpiresAt: null,
      accessTokenExpiresAt: new Date('2026-01-01T01:00:00Z'),
      accessTokenExpiresInSeconds: 1800,
      refreshedAt: new Date('2026-01-01T00:00:00Z'),
      refreshCount: 1,
    });
    const all = JSON.stringify(await getTokenStatus(tdb.db));
    for (const value of ['status-token', 'access-status', 'replacement-token'])
      assert.ok(!all.includes(value));
    assert.deepEqual(
      (await getTokenStatus(tdb.db)).map((s) => s.realmId),
      ['101', '102', '103'],
    );
  });
});
