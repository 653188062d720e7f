/**
 * A company whose reports are backfilled by two workers in this process (their own pools and
 * Redis connections) against the emulator, whose reports are computed from the company's own
 * postings: the set-up of the reports' end-to-end tests.
 */
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '@qbo-backfill/emulator';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { waitForRunEnd } from './backfill.js';
import { parseConfig } from '../../src/config/config.js';
import { startWorkers, workerEnv } from './in-process-workers.js';
import { queueStores, type QueueStores } from './stores.js';

export interface ReportsCompany extends QueueStores {
  emulator: RunningEmulator;
  realmId: string;
  /** Backfills `reports` from `from` to `to` (UTC dates, `to` excluded), by month; the run's id, once it succeeded. */
  runReports(reports: string[], from: string, to: string, attempts?: number): Promise<string>;
}

export async function reportsCompany(label: string): Promise<ReportsCompany> {
  const stores = await queueStores(label);
  const emulator = await startEmulator({ port: 0, seed: 26 });
  const realmId = emulator.realmIds[0] as string;
  const env = workerEnv(emulator, stores, realmId);
  const config = parseConfig(env);
  // One attempt per request: a 500 fails the job's attempt, which BullMQ retries.
  const workers = startWorkers(config, 2, {
    client: {
      maxAttempts: 1,
      serverBackoff: { baseMs: 10, capMs: 50 },
      throttleBackoff: { baseMs: 50, capMs: 500 },
    },
  });
  const { tdb, queue } = stores;
  return {
    ...stores,
    env,
    emulator,
    realmId,
    async runReports(reports, from, to, attempts = 3) {
      const plan = planBackfill({
        realmId,
        entities: [],
        from: new Date(`${from}T00:00:00Z`),
        to: new Date(`${to}T00:00:00Z`),
        startAt: new Date(),
        pageSize: 1000,
        windows: 'adaptive',
        reports,
        accountingMethod: 'Accrual',
      });
      const run = await enqueueBackfill(tdb.db, queue, plan, new Date(), {
        attempts,
        backoff: { type: 'fixed', delay: 100 },
      });
      assert.equal(await waitForRunEnd(tdb.db, run.runId, 240_000), 'succeeded');
      return run.runId;
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await emulator.close();
      await stores.close();
    },
  };
}
