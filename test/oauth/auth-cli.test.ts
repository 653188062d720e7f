import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { authCommandStores, type AuthCommandStores } from '../helpers/oauth.js';
import { runCli } from '../helpers/cli.js';
import { readTokens } from '../../src/qbo/auth/token-store.js';

const KEY_TEXT = 'cli-test-encryption-key-0123456789abcdef';
const key = createHash('sha256').update(KEY_TEXT).digest();
const TOKEN = 'AB11780000000cliSecretRefreshTokenValue';

void describe('qbo-backfill auth', () => {
  let stores: AuthCommandStores;
  before(async () => {
    stores = await authCommandStores(KEY_TEXT, 'qbo-auth');
  });
  after(() => stores.close());

  void it('auth set stores the token from stdin, encrypted, without printing it', async () => {
    const r = await runCli(['auth', 'set', '--realm', '4620816365'], stores.env, { stdin: `  ${TOKEN}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /stored a new refresh token for realm 4620816365/);
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
    const raw = await stores.tdb.db.selectFrom('ops.tokens').selectAll().executeTakeFirstOrThrow();
    assert.ok(!raw.refresh_token_enc.includes(TOKEN));
    assert.equal((await readTokens(stores.tdb.db, key, '4620816365'))?.refreshToken, TOKEN);
  });

  void it('auth set reads --file too', async () => {
    const file = path.join(stores.dir, 'token');
    await writeFile(file, `${TOKEN}-file\n`);
    const r = await runCli(['auth', 'set', '--realm', '4620816366', '--file', file], stores.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await readTokens(stores.tdb.db, key, '4620816366'))?.refreshToken, `${TOKEN}-file`);
  });

  void it('auth set refuses bad input with exit 2 and changes nothing', async () => {
    const empty = await runCli(['auth', 'set', '--realm', '4620816367'], stores.env, { stdin: '  \n' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no refresh token given/);
    const noKey = await runCli(
      ['auth', 'set', '--realm', '4620816367'],
      { ...stores.env, TOKEN_ENCRYPTION_KEY: undefined },
      {
        stdin: TOKEN,
      },
    );
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /TOKEN_ENCRYPTION_KEY/);
    assert.ok(!noKey.stderr.includes(TOKEN));
    const badRealm = await runCli(['auth', 'set', '--realm', 'abc'], stores.env, { stdin: TOKEN });
    assert.equal(badRealm.code, 2);
    const asArgument = await runCli(['auth', 'set', '--realm', '4620816367', TOKEN], stores.env);
    assert.equal(asArgument.code, 2);
    assert.ok(!asArgument.stderr.includes(TOKEN));
    const noSub = await runCli(['auth'], stores.env);
    assert.equal(noSub.code, 2);
    assert.equal(await readTokens(stores.tdb.db, key, '4620816367'), undefined);
  });

  void it('auth status lists ages and expiries, never token values', async () => {
    const human = await runCli(['auth', 'status'], stores.env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /4620816365/);
    assert.match(human.stdout, /refresh token age/);
    assert.ok(!human.stdout.includes(TOKEN));

    const json = await runCli(['auth', 'status', '--json'], stores.env);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!json.stdout.includes(TOKEN));
    const parsed = JSON.parse(json.stdout) as { realms: Array<Record<string, unknown>> };
    assert.deepEqual(
      parsed.realms.map((r) => r.realmId),
      ['4620816365', '4620816366'],
    );
    const first = parsed.realms[0] ?? {};
    assert.deepEqual(Object.keys(first).sort(), [
      'accessTokenExpiresAt',
      'accessTokenExpiresInSeconds',
      'companyName',
      'connectedAt',
      'expiresInSeconds',
      'health',
      'lastRefreshAt',
      'realmId',
      'refreshCount',
      'refreshTokenAgeSeconds',
      'refreshTokenExpiresAt',
      'refreshTokenHardExpiresAt',
      'refreshTokenObtainedAt',
      'warning',
    ]);
    assert.equal(first.refreshCount, 0);
    assert.equal(first.accessTokenExpiresInSeconds, null);
    assert.equal(typeof first.refreshTokenAgeSeconds, 'number');
  });
});
