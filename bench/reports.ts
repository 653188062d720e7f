/**
 * Reports: a year (2025) of every report of the registry, by month, through two workers at the
 * default budget, on the sandbox and the large profile: requests (the emulator's counts), parts
 * stored (a month QBO cuts is several), rows, checks, and the time it took.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { waitForRunEnd } from '../src/backfill/state/index.js';
import { enqueueBackfill, planBackfill } from '../src/backfill/plan/enqueue.js';
import { reportNames } from '../src/model/reports.js';
import { emulatorStats } from '../test/helpers/backfill.js';
import { closeBench, ms, spawnEmulator, startBenchWorkers } from './lib.js';

async function yearOfReports(profile: 'sandbox' | 'large'): Promise<string> {
  // In a process of its own: a month of the large profile's GeneralLedger is seconds of the
  // emulator's CPU, which must not stall the workers' event loop (and their job locks).
  const emulator = await spawnEmulator({ profile, seed: 11 });
  const cluster = await startBenchWorkers(emulator, 'bench-rep', 2, 4);
  const { tdb, realmId, queue } = cluster;
  try {
    const plan = planBackfill({
      windows: 'adaptive',
      realmId,
      entities: [],
      reports: reportNames(),
      accountingMethod: 'Accrual',
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2026-01-01T00:00:00Z'),
      startAt: new Date(),
      pageSize: 1000,
    });
    const t0 = performance.now();
    const run = await enqueueBackfill(tdb.db, queue, plan);
    const status = await waitForRunEnd(tdb.db, run.runId, 3_600_000, 100);
    const t = ms(t0);
    const { rows } = await sql<{ report: string; parts: number; rows: number; failed: number }>`
      SELECT report_name AS report, count(*)::int AS parts, sum(rows)::int AS rows,
        (count(*) FILTER (WHERE NOT (checks->>'ok')::boolean))::int AS failed
      FROM ops.window_reports WHERE run_id = ${run.runId} GROUP BY 1 ORDER BY 1`.execute(tdb.db);
    const stats = await emulatorStats(emulator.url);
    const requests = stats.realms[realmId]?.requests ?? {};
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    const perReport = rows.map(
      (r) => `${r.report} ${r.parts} parts/${r.rows} rows${r.failed ? `/${r.failed} failed` : ''}`,
    );
    return `| a year of every report (${plan.jobs} report-months), ${profile} profile, 2 workers x 4, budget 480/min | ${status}: ${total} requests ${JSON.stringify(requests)}; ${perReport.join(', ')} | ${t} ms |`;
  } finally {
    await closeBench({ ...cluster, emulator });
  }
}

export async function benchReports(): Promise<string[]> {
  const profiles = (process.env.BENCH_REPORT_PROFILES ?? 'sandbox,large').split(',') as (
    'sandbox' | 'large'
  )[];
  const out: string[] = [];
  for (const profile of profiles) out.push(await yearOfReports(profile));
  return out;
}
