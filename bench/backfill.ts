/** Backfill: 61 days of the large profile's invoices end to end, two workers, the default budget. */
import { performance } from 'node:perf_hooks';
import { startEmulator } from '@qbo-backfill/emulator';
import { waitForRunEnd } from '../src/backfill/state/index.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { dayPlan, closeBench, ms, rate, startBenchWorkers, type BenchResult } from './lib.js';

export async function benchBackfill(): Promise<BenchResult> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 11 });
  const cluster = await startBenchWorkers(emulator, 'bench', 2, 4);
  const { tdb, realmId, queue } = cluster;
  try {
    const plan = dayPlan(
      realmId,
      ['invoices'],
      new Date('2025-04-01T00:00:00Z'),
      new Date('2025-06-01T00:00:00Z'),
    );
    const t0 = performance.now();
    const run = await enqueueBackfill(tdb.db, queue, plan);
    const status = await waitForRunEnd(tdb.db, run.runId, 600_000, 50);
    const t = ms(t0);
    const totals = await tdb.db
      .selectFrom('ops.windows')
      .select((eb) => [eb.fn.sum<number>('rows_fetched').as('rows'), eb.fn.sum<number>('pages').as('pages')])
      .where('run_id', '=', run.runId)
      .executeTakeFirstOrThrow();
    const stats = emulator.stats();
    return {
      rows: [
        `| backfill 61 days of large-profile invoices, 2 workers x 4, budget 480/min | ${status}: ${totals.rows} rows, ${totals.pages} pages, requests by status ${JSON.stringify(stats.realms[realmId]?.requests ?? {})} | ${t} ms (${rate(Number(totals.rows), t)} rows/s) |`,
      ],
    };
  } finally {
    await closeBench({ ...cluster, emulator });
  }
}
