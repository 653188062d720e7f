import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startEmulator } from '@qbo-backfill/emulator';
import { ENTITIES } from '../../src/model/entities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { ROOT, runCli, spawnScript, startCliInProcess, waitFor, type CliProcess } from '../helpers/cli.js';
import { emulatorConfig, emulatorEnv, waitForRunEnd } from '../helpers/backfill.js';
import { changed, emulatorChange, liveIds, truthIds, type SyncJson } from '../helpers/sync.js';

const WORKER = path.join(ROOT, 'test', 'drills', 'worker-child.ts');

/**
 * kill -9 of the worker in the middle of a cycle: the cycle's job comes back to another worker
 * (BullMQ's stalled check), which takes the realm over under the same cycle id and goes on from
 * the committed marks. The `sync --once` that asked for it gets one answer, with every change
 * counted once, and raw equals the source.
 */
describe('sync: a worker killed mid-cycle', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let env: Record<string, string>;
  let realmId: string;
  const workers: CliProcess[] = [];
  const startWorker = () => {
    const w = spawnScript(WORKER, [], { ...env, DRILL_LOCK_MS: '2000', DRILL_CONCURRENCY: '4' });
    workers.push(w);
    return w;
  };

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('sync-crash');
    emulator = await startEmulator({ port: 0, seed: 7411 });
    realmId = emulator.realmIds[0] as string;
    env = { ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId), LOG_LEVEL: 'info' };
    startWorker();
    const to = new Date().toISOString().slice(0, 10);
    const enqueued = await runCli(
      ['enqueue', '--entities', 'all', '--from', '2024-01-01', '--to', to, '--json'],
      env,
    );
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const { runId } = JSON.parse(enqueued.stdout) as { runId: string };
    assert.equal(await waitForRunEnd(tdb.db, runId, 240_000), 'succeeded');
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop(10_000)));
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('loses nothing and counts nothing twice', async () => {
    const url = emulator.url;
    const invoices = (await truthIds(url, realmId, 'invoices')).slice(0, 3);
    const items = (await truthIds(url, realmId, 'items')).slice(0, 2);
    const times = (await truthIds(url, realmId, 'time_activities')).slice(0, 2);
    for (const id of invoices)
      await emulatorChange(url, '/__emulator/records/delete', { realmId, entity: 'Invoice', id });
    for (const id of items)
      await emulatorChange(url, '/__emulator/records/touch', { realmId, entity: 'Item', id });
    for (const id of times)
      await emulatorChange(url, '/__emulator/records/delete', { realmId, entity: 'TimeActivity', id });

    const sync = startCliInProcess(['sync', '--realm', realmId, '--once', '--json'], {
      ...env,
      LOG_LEVEL: 'silent',
    });
    // The CDC step has committed and the re-reads have begun: hold QBO's answers, then kill.
    const cycleId = await waitFor(
      async () => {
        const row = await tdb.db
          .selectFrom('ops.sync_cycle_entities')
          .select('cycle_id')
          .where('method', '=', 'reread')
          .executeTakeFirst();
        return row?.cycle_id;
      },
      60_000,
      'the first re-read step',
      20,
    );
    await emulatorConfig(url, { latencyMs: 600_000 });
    (workers[0] as CliProcess).kill();
    await (workers[0] as CliProcess).exited;
    await emulatorConfig(url, { latencyMs: 0 });
    startWorker();

    assert.equal(await sync.exited, 0, sync.stderr());
    const result = JSON.parse(sync.stdout()) as SyncJson;
    assert.deepEqual(changed(result), [
      ['invoices', { upserted: 0, deleted: 3 }],
      ['items', { upserted: 2, deleted: 0 }],
      ['time_activities', { upserted: 0, deleted: 2 }],
    ]);
    const cycles = await tdb.db.selectFrom('ops.sync_cycles').select(['cycle_id', 'status']).execute();
    assert.deepEqual(
      cycles,
      [{ cycle_id: cycleId, status: 'succeeded' }],
      'one cycle, taken over after the kill',
    );
    for (const e of ENTITIES) {
      assert.deepEqual(
        await liveIds(tdb.db, realmId, e.name),
        await truthIds(url, realmId, e.name),
        `${e.name}: raw = truth`,
      );
    }
  });
});
