import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../helpers/cli.js';
import { seedSyncMark } from '../helpers/sync.js';
import { QUEUE_NAME } from '../../src/infra/queue.js';
import { recordDisconnection } from '../../src/qbo/auth/connections.js';
import { setRefreshTokens } from '../../src/qbo/auth/token-store.js';
import { createSyncQueue } from '../../src/sync/sync-queue.js';

const key = createHash('sha256').update('realm-all-test-key').digest();
/** Three companies connected, one of them disconnected since: `all` is the other two. */
const CONNECTED = ['6100000001', '6100000003'];
const DISCONNECTED = '6100000002';

/** `--realm all`: every connected realm (a stored token, not disconnected), for enqueue and sync. */
describe('--realm all', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue;
  let syncQueue: ReturnType<typeof createSyncQueue>;
  let env: Record<string, string | undefined>;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('realm-all');
    queue = new Queue(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    syncQueue = createSyncQueue({ url: TEST_REDIS_URL }, prefix);
    env = {
      DATABASE_URL: tdb.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      QBO_ENVIRONMENT: 'sandbox',
      QBO_CLIENT_ID: 'x',
      QBO_CLIENT_SECRET: 'y',
      QBO_REALM_ID: undefined,
      QBO_REFRESH_TOKEN: undefined,
    };
  });
  after(async () => {
    await queue.close();
    await syncQueue.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  const JANUARY = ['--entities', 'invoices,customers', '--from', '2026-01-01', '--to', '2026-01-31'];
  const runs = async () =>
    (await tdb.db.selectFrom('ops.runs').select('realm_id').orderBy('realm_id').execute()).map(
      (r) => r.realm_id,
    );

  it('is refused (exit 2, nothing enqueued) while no realm is connected, and beside ids', async () => {
    const none = await runCli(['enqueue', ...JANUARY, '--realm', 'all'], env);
    assert.equal(none.code, 2);
    assert.equal(
      none.stderr,
      'qbo-backfill enqueue: --realm all: no realm is connected (a stored token, not disconnected); connect companies with qbo-backfill auth import, auth set or auth connect\n',
    );
    const mixed = await runCli(['enqueue', ...JANUARY, '--realm', 'all,6100000001'], env);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--realm all names every connected realm: give it alone, without ids/);
    const sync = await runCli(['sync', '--realm', 'all', '--every', '10m'], env);
    assert.equal(sync.code, 2);
    assert.deepEqual(await runs(), []);
    assert.equal(await queue.count(), 0);
  });

  it('syncs every connected realm that has something to sync from, and names the ones left out', async () => {
    await setRefreshTokens(
      tdb.db,
      key,
      [...CONNECTED, DISCONNECTED].map((realmId) => ({ realmId, refreshToken: `token-${realmId}` })),
    );
    await tdb.db
      .transaction()
      .execute((trx) => recordDisconnection(trx, DISCONNECTED, 'revoked', new Date()));
    await seedSyncMark(tdb.db, '6100000001', 'invoices');

    const every = await runCli(['sync', '--realm', 'all', '--entities', 'invoices', '--every', '10m'], env);
    assert.equal(every.code, 0, every.stderr);
    assert.match(every.stdout, /^realm 6100000001 syncs every 10m \(invoices\)/);
    assert.match(every.stderr, /^left out: realm 6100000003: invoices never backfilled and nothing in raw/);
    assert.deepEqual(
      (await syncQueue.getJobSchedulers()).map((s) => s.key),
      ['sync.6100000001'],
    );
    const off = await runCli(['sync', '--realm', 'all', '--off'], env);
    assert.deepEqual(
      [off.code, off.stdout],
      [0, 'realm 6100000001: sync schedule removed\nrealm 6100000003 had no sync schedule\n'],
    );
    assert.equal((await syncQueue.getJobSchedulers()).length, 0);
  });

  it('enqueues one run per connected realm, and plans them all in a dry run', async () => {
    const dry = await runCli(['enqueue', ...JANUARY, '--realm', 'all', '--dry-run', '--json'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(
      dry.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { realmId: string }).realmId),
      CONNECTED,
    );
    assert.deepEqual(await runs(), []);

    const start = new Date(Date.now() + 3_600_000).toISOString();
    const r = await runCli(['enqueue', ...JANUARY, '--realm', 'all', '--start-at', start, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { realmId: string; jobs: number });
    assert.deepEqual(
      lines.map((l) => [l.realmId, l.jobs]),
      CONNECTED.map((realmId) => [realmId, 2]),
    );
    assert.deepEqual(await runs(), CONNECTED);
    assert.equal(await queue.getDelayedCount(), 4);
  });
});
