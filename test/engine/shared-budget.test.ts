import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ENTITIES as REGISTRY } from '../../src/model/entities.js';
import { spawnScript } from '../helpers/cli.js';
import { emulatorStats, fetchTruth, rawIds } from '../helpers/backfill.js';
import { enqueueToEnd, workedCompany, type WorkedCompany } from '../helpers/worked-company.js';

const WORKER = fileURLToPath(new URL('./fixtures/worker-child.ts', import.meta.url));
/** QBO's sliding minute, scaled down on both sides (emulator and limiter) so the test takes seconds. */
const WINDOW_MS = 2_000;
/**
 * QBO's limits as the emulator applies them: 60 requests a (scaled) minute, 3 in flight; latency
 * keeps requests in flight long enough for the concurrency limit to matter.
 */
const LIMITS = {
  requestsPerMinute: 60,
  windowMs: WINDOW_MS,
  maxConcurrent: 3,
  latencyMs: [50, 200] as [number, number],
};
// The entities this scenario backfills (every entity is covered by every-entity.test.ts).
const ENTITIES = REGISTRY.filter((e) => ['invoices', 'customers', 'items'].includes(e.name));

/**
 * Three worker processes against a realm that QBO (the emulator) limits to 60 requests per
 * sliding window and 3 in flight: the shared budget keeps every process inside it, so the
 * emulator never answers 429, and the backfill is still complete.
 */
describe('one budget shared by three worker processes', () => {
  let company: WorkedCompany;

  before(async () => {
    company = await workedCompany({
      label: 'budget',
      emulator: { seed: 606, config: LIMITS },
      env: { QBO_REQUESTS_PER_MINUTE: '60', QBO_MAX_CONCURRENT: '3' },
    });
  });
  after(async () => {
    await company.close();
  });

  it('sees no 429 and never more than the allowed concurrency, and loads everything', async () => {
    const { realmId } = company;
    company.startWorkers(3, (env) => spawnScript(WORKER, [String(WINDOW_MS), '4'], env));
    // 23 days x 3 entities = 69 windows and more requests than one minute's budget (pages of 10).
    const days = ['--windows', 'day', '--from', '2026-09-01', '--to', '2026-09-23'];
    await enqueueToEnd(
      company,
      ['--entities', 'invoices,customers,items', ...days, '--page-size', '10'],
      300_000,
    );

    const stats = (await emulatorStats(company.emulator.url)).realms[realmId];
    const ok = stats?.requests['200'] ?? 0;
    assert.ok(ok > 60, `more requests than one minute allows: ${ok}`);
    assert.deepEqual(Object.keys(stats?.requests ?? {}), ['200'], JSON.stringify(stats));
    assert.ok((stats?.maxConcurrentSeen ?? 99) <= 3, JSON.stringify(stats));
    for (const entity of ENTITIES) {
      const from = new Date('2026-09-01T00:00:00Z');
      const to = new Date('2026-09-24T00:00:00Z');
      const truth = await fetchTruth(company.emulator.url, realmId, entity.name, from, to);
      assert.deepEqual(
        await rawIds(company.tdb.db, entity.name, realmId, from, to),
        [...truth.ids].sort(),
        entity.name,
      );
    }
  });
});
