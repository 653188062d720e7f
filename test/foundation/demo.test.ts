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
    assert.ok(r.stdout.includes(`\ndatabase: applied ${migrationNames().join(', ')}\n`), r.stdout);
    assert.match(
      r.stdout,
      /^run r\d{14}-[0-9a-f]{6}: 93 jobs \(invoices, customers, items, 2026-01-01\.\.2026-01-31\)/m,
    );
    assert.match(r.stdout, /^totals: 93 windows, 93 succeeded, 0 failed$/m);
    for (const entity of ['invoices', 'customers', 'items']) {
      assert.match(r.stdout, new RegExp(`^${entity} +emulator +(\\d+) +raw\\.qb_${entity} +\\1 +ok$`, 'm'));
    }
    assert.match(r.stdout, /^demo ok: every emulator record is in its table$/m);
  });
});
