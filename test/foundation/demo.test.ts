import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, migrationNames, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../helpers/cli.js';

describe('qbo-backfill demo', () => {
  let tdb: TestDatabase;
  let prefix: string;
  before(async () => {
    tdb = await createTestDatabase({ migrate: false });
    prefix = uniquePrefix('demo');
  });
  after(async () => {
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('runs the whole flow against the emulator and exits 0', async () => {
    const r = await runCli(
      ['demo'],
      { DATABASE_URL: tdb.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix },
      { timeoutMs: 300_000 },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.split('\n').includes(`database: applied ${migrationNames().join(', ')}`), r.stdout);
    // Nothing logged in between the demo's lines: the missing login of a loopback demo is no warning.
    assert.doesNotMatch(r.stderr, /dashboard login disabled/);
    assert.match(r.stdout, /^totals: 93 entity-days read in 3 windows: 93 succeeded, 0 failed$/m);
    assert.match(
      r.stdout,
      /^run r\d{14}-[0-9a-f]{6}: 3 windows \(one job each\) for 93 entity-days \(invoices, customers, items, 2026-01-01\.\.2026-01-31\)/m,
    );
    // The truth table: a header, a rule, a row per entity, its columns aligned.
    const rows = ['invoices', 'customers', 'items'].map((entity) => {
      const row = new RegExp(`^${entity} +(\\d+) +raw\\.qb_${entity} +(\\d+) +ok$`, 'm').exec(r.stdout);
      assert.ok(row, entity);
      assert.equal(row[1], row[2], entity);
      return row[0];
    });
    assert.equal(new Set(rows.map((row) => row.indexOf('raw.'))).size, 1, rows.join('\n'));
    assert.equal(new Set(rows.map((row) => row.length)).size, 1, rows.join('\n'));
    assert.match(r.stdout, /^demo ok: every emulator record is in its table$/m);
  });
});
