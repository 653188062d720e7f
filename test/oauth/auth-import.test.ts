import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { authCommandStores, type AuthCommandStores } from '../helpers/oauth.js';
import { runCli } from '../helpers/cli.js';
import { readTokens } from '../../src/qbo/auth/token-store.js';

const KEY_TEXT = 'import-test-encryption-key-0123456789abcdef';
const key = createHash('sha256').update(KEY_TEXT).digest();
const token = (n: number) => `AB11780000000importSecret${n}`;

/** `auth import`: many companies' refresh tokens from a file or stdin, all or nothing. */
void describe('qbo-backfill auth import', () => {
  let stores: AuthCommandStores;
  before(async () => {
    stores = await authCommandStores(KEY_TEXT, 'qbo-import');
  });
  after(() => stores.close());

  const stored = async () =>
    (await stores.tdb.db.selectFrom('ops.tokens').select('realm_id').orderBy('realm_id').execute()).map(
      (r) => r.realm_id,
    );

  void it('stores every line of a file, commas and tabs alike, encrypted, and connects a disconnected realm again', async () => {
    await stores.tdb.db
      .insertInto('ops.disconnected_realms')
      .values({
        realm_id: '5000000002',
        company_name: null,
        connected_at: new Date('2026-01-01T00:00:00Z'),
        disconnected_at: new Date('2026-02-01T00:00:00Z'),
        revocation: 'revoked',
      })
      .execute();
    const file = path.join(stores.dir, 'tokens.csv');
    await writeFile(
      file,
      `5000000001,${token(1)}\r\n\n5000000002\t${token(2)}\n  5000000003 , ${token(3)}  \n`,
    );
    const r = await runCli(['auth', 'import', '--file', file], stores.env);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'imported 3 realms\n', '']);
    assert.deepEqual(await stored(), ['5000000001', '5000000002', '5000000003']);
    for (const n of [1, 2, 3]) {
      assert.equal((await readTokens(stores.tdb.db, key, `500000000${n}`))?.refreshToken, token(n));
    }
    const raw = await stores.tdb.db.selectFrom('ops.tokens').select('refresh_token_enc').execute();
    assert.ok(raw.every((row) => !row.refresh_token_enc.includes('importSecret')));
    assert.equal(
      (await stores.tdb.db.selectFrom('ops.disconnected_realms').selectAll().execute()).length,
      0,
      'importing a realm connects it again',
    );
  });

  void it('reads stdin, and replaces a realm token already stored', async () => {
    const r = await runCli(['auth', 'import'], stores.env, {
      stdin: `5000000003\t${token(33)}\n5000000004,${token(4)}\n`,
    });
    assert.deepEqual([r.code, r.stdout], [0, 'imported 2 realms\n']);
    assert.equal((await readTokens(stores.tdb.db, key, '5000000003'))?.refreshToken, token(33));
    assert.equal((await readTokens(stores.tdb.db, key, '5000000004'))?.refreshToken, token(4));
  });

  void it('refuses a bad line with exit 2, naming its number, never its token, and stores nothing', async () => {
    const before = await stored();
    const cases: [string, string][] = [
      [
        `5000000010,${token(10)}\n5000000011 ${token(11)}\n`,
        'line 2: no comma or tab between the realm id and the refresh token',
      ],
      [
        `5000000010,${token(10)}\n\n${token(12)},5000000012\n`,
        'line 3: the realm id is not a numeric company id',
      ],
      [
        `5000000010,${token(10)}\n5000000013,\n`,
        'line 2: the refresh token is empty or holds spaces or non-printable characters',
      ],
      [
        `5000000010,${token(10)}\n5000000014,two words\n`,
        'line 2: the refresh token is empty or holds spaces or non-printable characters',
      ],
      [
        `5000000010,${token(10)}\n5000000015,${token(15)}\n5000000010,${token(16)}\n`,
        'line 3: realm 5000000010 is already on line 1',
      ],
    ];
    for (const [input, message] of cases) {
      const r = await runCli(['auth', 'import'], stores.env, { stdin: input });
      assert.equal(r.code, 2, message);
      assert.equal(
        r.stderr,
        `qbo-backfill auth: ${message}; expected <realm id>,<refresh token>; nothing was imported\n`,
      );
      assert.ok(!r.stderr.includes('importSecret'), r.stderr);
    }
    const empty = await runCli(['auth', 'import'], stores.env, { stdin: '\n  \n' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no realms to import/);
    const missing = await runCli(['auth', 'import', '--file', path.join(stores.dir, 'nope.csv')], stores.env);
    assert.equal(missing.code, 2);
    const noKey = await runCli(
      ['auth', 'import'],
      { ...stores.env, TOKEN_ENCRYPTION_KEY: undefined },
      {
        stdin: `5000000010,${token(10)}\n`,
      },
    );
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /TOKEN_ENCRYPTION_KEY/);
    assert.deepEqual(await stored(), before);
  });
});
