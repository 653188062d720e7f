import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ManualClock, startEmulator, type EmulatorConfig } from '@qbo-backfill/emulator';
import { createDb, type Db } from '../../src/infra/db.js';
import { readTokens, setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { AccessTokenProvider, type AccessTokenProviderOptions } from '../../src/qbo/auth/access-tokens.js';
import {
  InvalidClientError,
  InvalidGrantError,
  MissingRefreshTokenError,
  TokenRefreshError,
} from '../../src/qbo/auth/token-errors.js';
import { windowOutcome } from '../../src/model/errors/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const key = createHash('sha256').update('provider-test-encryption-key-0123456789').digest();
type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** Token-endpoint calls so far, whatever their HTTP status. */
function tokenCalls(emulator: Emulator): number {
  return Object.values(emulator.stats().token.requests).reduce((a, b) => a + b, 0);
}

void describe('AccessTokenProvider', () => {
  let tdb: TestDatabase;
  let realmCounter = 0;
  const logLines: string[] = [];
  /** Token values seen by the tests: none may ever appear in a log line. */
  const secrets: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  // Each provider gets its own pool, like a separate worker process.
  const cleanups: Array<() => Promise<void>> = [];

  function nextRealm(): string {
    realmCounter += 1;
    return `93414530000${String(realmCounter).padStart(5, '0')}`;
  }

  async function emulator(config: Partial<EmulatorConfig>): Promise<Emulator> {
    const emu = await startEmulator({ port: 0, config });
    cleanups.push(() => emu.close());
    return emu;
  }

  function provider(emu: Emulator, extra: Partial<AccessTokenProviderOptions> = {}): AccessTokenProvider {
    const db: Db = createDb(tdb.url, { max: 3 });
    const p = new AccessTokenProvider({
      db,
      tokenUrl: emu.tokenUrl,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      encryptionKey: key,
      initialRefreshToken: emu.refreshToken,
      logger,
      ...extra,
    });
    cleanups.push(async () => {
      await p.close();
      await db.destroy();
    });
    return p;
  }

  before(async () => {
    tdb = await createTestDatabase();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(async () => {
    await tdb.drop();
    const logs = logLines.join('');
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a token value reached the logs');
  });

  void it('bootstraps from the initial refresh token, then serves from memory and from the store', async () => {
    const emu = await emulator({ accessTokenTtlSeconds: 3600 });
    const realm = nextRealm();
    const a = provider(emu);
    const token = await a.getAccessToken(realm);
    assert.equal(await a.getAccessToken(realm), token);
    assert.equal(tokenCalls(emu), 1);
    // Another process finds the stored access token without refreshing.
    assert.equal(await provider(emu).getAccessToken(realm), token);
    assert.equal(tokenCalls(emu), 1);
    const row = await tdb.db
      .selectFrom('ops.tokens')
      .selectAll()
      .where('realm_id', '=', realm)
      .executeTakeFirstOrThrow();
    assert.equal(row.refresh_count, 1);
    assert.ok(!row.access_token_enc?.includes(token));
    assert.ok(row.refresh_token_expires_at instanceof Date);
    // Support tickets ask for intuit_tid: every refresh logs it.
    assert.ok(logLines.some((l) => l.includes('access token refreshed') && /"intuitTid":"1-/.test(l)));
    secrets.push(token, emu.refreshToken);
  });

  void it('prefers the stored refresh token over a stale initial one', async () => {
    const emu = await emulator({ rotateRefreshTokenAfterSeconds: 0, refreshTokenGraceSeconds: 0 });
    const realm = nextRealm();
    const first = await provider(emu).getAccessToken(realm);
    // The initial token has been superseded now: using it again would be invalid_grant.
    const second = await provider(emu).refreshAfterUnauthorized(realm, first);
    assert.notEqual(second, first);
    assert.equal(tokenCalls(emu), 2);
  });

  void it('stores the rotated refresh token encrypted, and repeated refreshes never hit invalid_grant', async () => {
    const emu = await emulator({ rotateRefreshTokenAfterSeconds: 0, refreshTokenGraceSeconds: 0 });
    const realm = nextRealm();
    const providers = [provider(emu), provider(emu), provider(emu)];
    let token = await providers[0]!.getAccessToken(realm);
    const seen = new Set([token]);
    for (let i = 0; i < 12; i++) {
      token = await providers[i % 3]!.refreshAfterUnauthorized(realm, token);
      seen.add(token);
    }
    assert.equal(seen.size, 13);
    assert.equal(tokenCalls(emu), 13);

    const stored = await readTokens(tdb.db, key, realm);
    assert.ok(stored);
    assert.notEqual(stored.refreshToken, emu.refreshToken, 'the rotated refresh token is stored');
    assert.equal(stored.accessToken, token);
    assert.equal(stored.refreshCount, 13);
    secrets.push(...seen, stored.refreshToken, emu.refreshToken);
    const raw = await tdb.db
      .selectFrom('ops.tokens')
      .selectAll()
      .where('realm_id', '=', realm)
      .executeTakeFirstOrThrow();
    for (const column of [raw.refresh_token_enc, raw.access_token_enc ?? '']) {
      assert.match(column, /^v1:/);
      assert.ok(!column.includes(stored.refreshToken) && !column.includes(token));
    }
  });

  void it('serializes concurrent refreshes across processes: one token-endpoint call, one token for all', async () => {
    const emu = await emulator({ rotateRefreshTokenAfterSeconds: 0, refreshTokenGraceSeconds: 0 });
    const realm = nextRealm();
    const providers = [provider(emu), provider(emu), provider(emu), provider(emu)];

    const first = await Promise.all(
      Array.from({ length: 16 }, (_, i) => providers[i % 4]!.getAccessToken(realm)),
    );
    assert.equal(new Set(first).size, 1);
    assert.equal(tokenCalls(emu), 1);

    const rejected = first[0]!;
    const second = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        i % 3 === 0
          ? providers[i % 4]!.getAccessToken(realm)
          : providers[i % 4]!.refreshAfterUnauthorized(realm, rejected),
      ),
    );
    const renewed = second.filter((t) => t !== rejected);
    // getAccessToken calls may still legitimately get the (unexpired) old token; every 401 caller gets the new one.
    assert.equal(new Set(renewed).size, 1);
    assert.equal(tokenCalls(emu), 2);
    secrets.push(rejected, ...renewed);
    for (let i = 0; i < 16; i++) if (i % 3 !== 0) assert.equal(second[i], renewed[0]);
  });

  void it('refreshes early within the margin, capped at half the token lifetime', async () => {
    const emu = await emulator({ accessTokenTtlSeconds: 2 });
    const realm = nextRealm();
    // The provider's clock moves only when told: the margin is 1 s of it, to the millisecond.
    const clock = new ManualClock(Date.now());
    const p = provider(emu, { clock }); // default margin 300 s is longer than the whole lifetime
    const t1 = await p.getAccessToken(realm);
    assert.equal(await p.getAccessToken(realm), t1);
    clock.advance(999);
    assert.equal(await p.getAccessToken(realm), t1, 'more than half its lifetime left');
    assert.equal(tokenCalls(emu), 1);
    clock.advance(1);
    const t2 = await p.getAccessToken(realm);
    assert.notEqual(t2, t1);
    assert.equal(tokenCalls(emu), 2);
  });

  void it('turns invalid_grant into InvalidGrantError with the operator instruction, overwriting nothing', async () => {
    const emu = await emulator({});
    const realm = nextRealm();
    const bogus = 'bogus-refresh-token-value-for-the-test';
    await setRefreshToken(tdb.db, key, realm, bogus);
    const p = provider(emu);
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(p.getAccessToken(realm), (err: unknown) => {
        assert.ok(err instanceof InvalidGrantError);
        assert.equal(err.realmId, realm);
        assert.equal(
          err.message,
          `QBO rejected the refresh token for realm ${realm} (invalid_grant): reconnect the app and store a new refresh token with: qbo-backfill auth set --realm ${realm}`,
        );
        return true;
      });
    }
    const stored = await readTokens(tdb.db, key, realm);
    assert.equal(stored?.refreshToken, bogus);
    assert.equal(stored?.accessToken, null);
    assert.equal(stored?.refreshCount, 0);
    secrets.push(bogus);
  });

  void it('after invalid_grant no process sends the rejected refresh token again, until auth set stores a new one', async () => {
    const emu = await emulator({});
    const realm = nextRealm();
    await setRefreshToken(tdb.db, key, realm, 'revoked-refresh-token-of-the-race-test');
    // Five processes need a token at once: one holds the lock and is refused, four wait for it.
    const providers = Array.from({ length: 5 }, () => provider(emu));
    const results = await Promise.allSettled(providers.map((p) => p.getAccessToken(realm)));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof InvalidGrantError, String(r.reason));
    }
    // And again later, through the 401 path too: still no call.
    await assert.rejects(
      providers[1]!.refreshAfterUnauthorized(realm, 'some-access-token'),
      InvalidGrantError,
    );
    await assert.rejects(provider(emu).getAccessToken(realm), InvalidGrantError);
    assert.deepEqual(emu.stats().token.requests, { '400': 1 });
    const stored = await readTokens(tdb.db, key, realm);
    assert.ok((stored?.refreshTokenExpiresAt?.getTime() ?? Infinity) <= Date.now(), 'recorded as expired');

    await setRefreshToken(tdb.db, key, realm, emu.refreshToken);
    assert.equal((await readTokens(tdb.db, key, realm))?.refreshTokenExpiresAt, null);
    const tokens = await Promise.all(providers.map((p) => p.getAccessToken(realm)));
    assert.equal(new Set(tokens).size, 1);
    assert.deepEqual(emu.stats().token.requests, { '400': 1, '200': 1 });
  });

  void it('without a stored token or an initial one, tells the operator to run auth set', async () => {
    const emu = await emulator({});
    const realm = nextRealm();
    const p = provider(emu, { initialRefreshToken: undefined });
    await assert.rejects(p.getAccessToken(realm), (err: unknown) => {
      assert.ok(err instanceof MissingRefreshTokenError);
      assert.match(err.message, new RegExp(`qbo-backfill auth set --realm ${realm}`));
      return true;
    });
    assert.equal(tokenCalls(emu), 0);
  });

  void it('bootstraps only the realm the initial refresh token belongs to', async () => {
    const emu = await emulator({});
    const own = nextRealm();
    const other = nextRealm();
    const p = provider(emu, { initialRefreshTokenRealmId: own });
    await assert.rejects(p.getAccessToken(other), (err: unknown) => err instanceof MissingRefreshTokenError);
    assert.equal(tokenCalls(emu), 0);
    assert.equal(await readTokens(tdb.db, key, other), undefined);
    assert.ok(await p.getAccessToken(own));
    assert.equal(tokenCalls(emu), 1);
  });

  void it('classifies other failures: bad client credentials are final, network errors retryable', async () => {
    const emu = await emulator({});
    const badClient = provider(emu, { clientSecret: 'wrong-secret' });
    await assert.rejects(badClient.getAccessToken(nextRealm()), (err: unknown) => {
      assert.ok(err instanceof InvalidClientError, String(err));
      assert.equal(windowOutcome(err), 'halt-run');
      assert.ok(err.status !== undefined && err.status >= 400 && err.status < 500);
      assert.ok(!err.message.includes('wrong-secret'));
      return true;
    });
    const unreachable = provider(emu, {
      tokenUrl: 'http://127.0.0.1:9/oauth2/v1/tokens/bearer',
      httpTimeoutMs: 2_000,
    });
    await assert.rejects(unreachable.getAccessToken(nextRealm()), (err: unknown) => {
      assert.ok(err instanceof TokenRefreshError, String(err));
      assert.equal(windowOutcome(err), 'retry-window');
      return true;
    });
  });

  void it('close is idempotent and refuses later calls', async () => {
    const emu = await emulator({});
    const p = provider(emu);
    await p.getAccessToken(nextRealm());
    await p.close();
    await p.close();
    await assert.rejects(p.getAccessToken(nextRealm()), /closed/);
  });
});
