import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ManualClock, startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { ENTITIES } from '../../src/model/entities.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv, emulatorStats, waitForRunEnd } from '../helpers/backfill.js';
import { changed, emulatorChange, liveIds, rawRows, syncOnce, truthIds } from '../helpers/sync.js';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const DAY = 86_400_000;

/**
 * CDC's two limits, on a company whose QBO clock the test moves (a ManualClock): more than 1000
 * changes between two cycles (one CDC response holds at most 1000), and a sync paused for 40 days
 * (CDC looks back 30 at most). Both end with raw equal to the source.
 */
describe('sync past CDC limits', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let clock: ManualClock;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let env: Record<string, string>;
  let realmId: string;
  let worker: RunningWorker;

  const rawEqualsTruth = async () => {
    for (const e of ENTITIES) {
      assert.deepEqual(
        await liveIds(tdb.db, realmId, e.name),
        await truthIds(emulator.url, realmId, e.name),
        `${e.name}: raw = truth`,
      );
    }
  };
  const cycleMethods = async () => {
    const last = await tdb.db
      .selectFrom('ops.sync_cycles')
      .select('cycle_id')
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const rows = await tdb.db
      .selectFrom('ops.sync_cycle_entities')
      .select(['entity', 'method', 'requests'])
      .where('cycle_id', '=', last.cycle_id)
      .execute();
    return new Map(rows.map((r) => [r.entity, r]));
  };
  const apiRequests = async () => {
    const stats = await emulatorStats(emulator.url);
    return Object.values(stats.realms[realmId]?.requests ?? {}).reduce((a, b) => a + b, 0);
  };

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('sync-limits');
    clock = new ManualClock(Date.parse('2026-11-20T12:00:00Z'));
    // The clock stands still between the test's moves: QBO's per-minute limit would count the
    // whole test as one minute, so it is raised on both sides.
    emulator = await startEmulator({
      port: 0,
      seed: 3011,
      clock,
      config: { requestsPerMinute: 1_000_000, maxConcurrent: 50 },
    });
    realmId = emulator.realmIds[0] as string;
    env = {
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
      LOG_LEVEL: 'silent',
      QBO_REQUESTS_PER_MINUTE: '100000',
      QBO_MAX_CONCURRENT: '20',
    };
    worker = startWorker({ config: parseConfig(env), logger: silent, concurrency: 4 });
    // Up to the day before QBO's today: the hand-over is the range's end, in QBO's past.
    const enqueued = await runCli(
      ['enqueue', '--entities', 'all', '--from', '2024-01-01', '--to', '2026-11-19', '--json'],
      env,
    );
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const { runId } = JSON.parse(enqueued.stdout) as { runId: string };
    assert.equal(await waitForRunEnd(tdb.db, runId, 240_000), 'succeeded');
    // The records of QBO's today so far come with the first cycle.
    await syncOnce(env, realmId);
    await rawEqualsTruth();
  });
  after(async () => {
    await worker.close();
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('more than 1000 changes between two cycles all arrive, and COUNT proves it', async () => {
    const invoices = await truthIds(emulator.url, realmId, 'invoices');
    const customers = await truthIds(emulator.url, realmId, 'customers');
    const items = await truthIds(emulator.url, realmId, 'items');
    const touched = {
      invoices: invoices.slice(0, 600),
      customers: customers.slice(0, 400),
      items: items.slice(0, 150),
    };
    const deleted = invoices.slice(600, 660);
    const qbo = { invoices: 'Invoice', customers: 'Customer', items: 'Item' } as const;
    // A second apart each, as people and integrations make them.
    for (const [entity, ids] of Object.entries(touched) as [keyof typeof qbo, string[]][]) {
      for (const id of ids) {
        clock.advance(1_000);
        await emulatorChange(emulator.url, '/__emulator/records/touch', { realmId, entity: qbo[entity], id });
      }
    }
    for (const id of deleted) {
      clock.advance(1_000);
      await emulatorChange(emulator.url, '/__emulator/records/delete', { realmId, entity: 'Invoice', id });
    }
    const total = Object.values(touched).reduce((n, ids) => n + ids.length, 0) + deleted.length;
    assert.ok(total > 1000, `${total} changes`);
    clock.advance(1_000);

    const result = await syncOnce(env, realmId);
    assert.deepEqual(changed(result), [
      ['customers', { upserted: 400, deleted: 0 }],
      ['invoices', { upserted: 600, deleted: 60 }],
      ['items', { upserted: 150, deleted: 0 }],
    ]);
    const methods = await cycleMethods();
    assert.equal(methods.get('invoices')?.method, 'cdc', 'proven by COUNT, not re-read');
    await rawEqualsTruth();
    const marked = (await rawRows(tdb.db, realmId, 'invoices'))
      .filter((r) => r.deleted !== null)
      .map((r) => r.id);
    assert.deepEqual(marked, [...deleted].sort());
    assert.deepEqual(changed(await syncOnce(env, realmId)), []);
  });

  it('a sync paused for 40 days recovers through whole re-reads, then goes on with CDC', async () => {
    clock.advance(40 * DAY);
    const invoices = await truthIds(emulator.url, realmId, 'invoices');
    const gone = invoices.slice(700, 705);
    for (const id of gone)
      await emulatorChange(emulator.url, '/__emulator/records/delete', { realmId, entity: 'Invoice', id });
    const vendors = (await truthIds(emulator.url, realmId, 'vendors')).slice(0, 3);
    for (const id of vendors)
      await emulatorChange(emulator.url, '/__emulator/records/delete', { realmId, entity: 'Vendor', id });
    clock.advance(1_000);

    const requestsBefore = await apiRequests();
    const result = await syncOnce(env, realmId);
    assert.equal(result.entities.invoices?.deleted, 5);
    assert.ok((result.entities.vendors?.upserted ?? 0) >= 3);
    assert.equal(
      result.requests,
      (await apiRequests()) - requestsBefore,
      'the cycle counts every request it made',
    );
    const methods = await cycleMethods();
    for (const e of ENTITIES) assert.equal(methods.get(e.name)?.method, 'reread', `${e.name} re-read whole`);
    await rawEqualsTruth();

    const next = await syncOnce(env, realmId);
    assert.deepEqual(changed(next), []);
    assert.equal((await cycleMethods()).get('invoices')?.method, 'cdc', 'back to CDC from the re-read');
  });
});
