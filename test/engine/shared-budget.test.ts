import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '@qbo-backfill/emulator';
import { ENTITIES as REGISTRY } from '../../src/model/entities.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { fileURLToPath } from 'node:url';
import { runCli, spawnScript, type CliProcess } from '../helpers/cli.js';
import { emulatorEnv, emulatorStats, fetchTruth, rawIds, waitForRunEnd } from '../helpers/backfill.js';

const WORKER = fileURLToPath(new URL('./fixtures/worker-child.ts', import.meta.url));
/** QBO's sliding minute, scaled down on both sides (emulator and limiter) so the test takes seconds. */
const WINDOW_MS = 2_000;
// The entities this scenario backfills (every entity is covered by every-entity.test.ts).
const ENTITIES = REGISTRY.filter((e) => ['invoices', 'customers', 'items'].includes(e.name));

/**
 * Three worker processes against a realm that QBO (the emulator) limits to 60 requests per
 * sliding window and 3 in flight: the shared budget keeps every process inside it, so the
 * emulator never answers 429, and the backfill is still complete.
 */
describe('one budget shared by three worker processes', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  const workers: CliProcess[] = [];

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('budget');
    // Latency keeps requests in flight long enough for the concurrency limit to matter.
    emulator = await startEmulator({
      port: 0,
      seed: 606,
      config: { requestsPerMinute: 60, windowMs: WINDOW_MS, maxConcurrent: 3, latencyMs: [50, 200] },
    });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('sees no 429 and never more than the allowed concurrency, and loads everything', async () => {
    const realmId = emulator.realmIds[0] as string;
    const env = {
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
      QBO_REQUESTS_PER_MINUTE: '60',
      QBO_MAX_CONCURRENT: '3',
    };
    for (let i = 0; i < 3; i++) workers.push(spawnScript(WORKER, [String(WINDOW_MS), '4'], env));
    // 23 days x 3 entities = 69 windows and more requests than one minute's budget (pages of 10).
    const enq = await runCli(
      [
        'enqueue',
        '--windows',
        'day',
        '--entities',
        'invoices,customers,items',
        '--from',
        '2026-09-01',
        '--to',
        '2026-09-23',
        '--page-size',
        '10',
        '--json',
      ],
      env,
    );
    assert.equal(enq.code, 0, enq.stderr);
    const { runId } = JSON.parse(enq.stdout) as { runId: string };
    assert.equal(await waitForRunEnd(tdb.db, runId, 300_000), 'succeeded');

    const stats = (await emulatorStats(emulator.url)).realms[realmId];
    const ok = stats?.requests['200'] ?? 0;
    assert.ok(ok > 60, `more requests than one minute allows: ${ok}`);
    assert.deepEqual(Object.keys(stats?.requests ?? {}), ['200'], JSON.stringify(stats));
    assert.ok((stats?.maxConcurrentSeen ?? 99) <= 3, JSON.stringify(stats));
    for (const entity of ENTITIES) {
      const from = new Date('2026-09-01T00:00:00Z');
      const to = new Date('2026-09-24T00:00:00Z');
      const truth = await fetchTruth(emulator.url, realmId, entity.name, from, to);
      assert.deepEqual(
        await rawIds(tdb.db, entity.name, realmId, from, to),
        [...truth.ids].sort(),
        entity.name,
      );
    }
  });
});
