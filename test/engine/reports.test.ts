/**
 * Reports end to end: runs of `--reports` through real workers (in-process, their own pools and
 * Redis connections), real PostgreSQL and Redis, against the emulator, whose reports are computed
 * from the company's own postings. What is stored must agree with the emulator's answers to the
 * cent: months add up to the year, balance sheets balance, and a GeneralLedger QBO cuts is kept
 * whole, every posting of every month, no cut answer stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { buildReport } from '../../src/backfill/runs/report.js';
import { reportNames } from '../../src/model/reports.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker-process.js';
import { flattenReport } from '../../src/qbo/reports/report-flatten.js';
import { cents } from '../../src/qbo/reports/report-shape.js';
import type { ReportAnswer } from '../../src/qbo/reports/report-shape.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorConfig, emulatorEnv, emulatorStats, waitForRunEnd } from '../helpers/backfill.js';
import { accessToken } from '../helpers/emulator-http.js';
import { runCli } from '../helpers/cli.js';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const MONTHS = Array.from({ length: 12 }, (_, m) =>
  new Date(Date.UTC(2025, m, 1)).toISOString().slice(0, 10),
);
const monthEnd = (first: string) =>
  new Date(Date.UTC(Number(first.slice(0, 4)), Number(first.slice(5, 7)), 0)).toISOString().slice(0, 10);

describe('reports', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let queue: Queue<WindowJobData>;
  let realmId: string;
  let token: string;
  let env: Record<string, string>;
  const workers: RunningWorker[] = [];

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('rep');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    emulator = await startEmulator({ port: 0, seed: 26 });
    realmId = emulator.realmIds[0] as string;
    token = await accessToken(emulator);
    env = { ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId), LOG_LEVEL: 'silent' };
    const config = parseConfig(env);
    for (let i = 0; i < 2; i++) {
      workers.push(
        startWorker({
          config,
          logger: silent,
          concurrency: 3,
          // One attempt per request: a 500 fails the job's attempt, which BullMQ retries.
          client: {
            maxAttempts: 1,
            serverBackoff: { baseMs: 10, capMs: 50 },
            throttleBackoff: { baseMs: 50, capMs: 500 },
          },
        }),
      );
    }
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
    await deletePrefix(prefix);
    await emulator.close();
    await tdb.drop();
  });

  /** The emulator's own answer, asked directly (not through the product). */
  async function emulatorReport(name: string, params: Record<string, string>): Promise<ReportAnswer> {
    const query = new URLSearchParams({ ...params, accounting_method: 'Accrual', minorversion: '75' });
    const res = await fetch(`${emulator.url}/v3/company/${realmId}/reports/${name}?${query.toString()}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    assert.equal(res.status, 200);
    return (await res.json()) as ReportAnswer;
  }

  async function runReports(reports: string[], from: string, to: string, attempts = 3): Promise<string> {
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
  }

  /** Stored summary amounts of a group, by period start, in cents. */
  async function groupTotals(report: string, group: string): Promise<Map<string, bigint>> {
    const rows = await tdb.db
      .selectFrom('raw.qb_report_rows')
      .select(['period_start', 'amount'])
      .where('realm_id', '=', realmId)
      .where('report_name', '=', report)
      .where('section_group', '=', group)
      .where('row_type', '=', 'summary')
      .execute();
    return new Map(rows.map((r) => [r.period_start, cents(r.amount ?? '') ?? 0n]));
  }

  it('stores a year of every report by month, checks ok; months add up to the year; balance sheets balance', async () => {
    const runId = await runReports(
      ['all'].flatMap(() => reportNames()),
      '2025-01-01',
      '2026-01-01',
    );
    const stored = await tdb.db
      .selectFrom('raw.qb_reports')
      .select(['report_name', 'period_start', 'period_end', 'checks'])
      .where('realm_id', '=', realmId)
      .execute();
    for (const name of reportNames()) {
      const mine = stored
        .filter((s) => s.report_name === name)
        .sort((a, b) => a.period_start.localeCompare(b.period_start));
      const asOf = ['BalanceSheet', 'TrialBalance', 'AgedReceivables', 'AgedPayables'].includes(name);
      assert.deepEqual(
        mine.map((s) => [s.period_start, s.period_end]),
        MONTHS.map((m) => [asOf ? monthEnd(m) : m, monthEnd(m)]),
        name,
      );
    }
    assert.deepEqual(
      stored.filter((s) => !(s.checks as { ok: boolean }).ok),
      [],
    );
    const report = await buildReport(tdb.db, runId);
    assert.equal(report.reports?.length, 84);
    assert.ok(
      report.reports?.every((r) => r.checks === 'ok' && r.accountingMethod === 'Accrual' && r.rows > 0),
    );

    const monthly = await groupTotals('ProfitAndLoss', 'NetIncome');
    const year = flattenReport(
      await emulatorReport('ProfitAndLoss', { start_date: '2025-01-01', end_date: '2025-12-31' }),
    );
    const yearly = cents(
      year.find((r) => r.sectionGroup === 'NetIncome' && r.rowType === 'summary')?.amount ?? '',
    );
    assert.equal(monthly.size, 12);
    assert.equal(
      [...monthly.values()].reduce((a, b) => a + b, 0n),
      yearly,
    );
    assert.notEqual(yearly, 0n);

    const assets = await groupTotals('BalanceSheet', 'TotalAssets');
    const claims = await groupTotals('BalanceSheet', 'TotalLiabilitiesAndEquity');
    assert.equal(assets.size, 12);
    for (const [day, amount] of assets) assert.equal(claims.get(day), amount, day);
  });

  it('keeps a year of GeneralLedger whole under a low cell limit: every posting of every month, no cut stored', async () => {
    // About 6,000 cells a month at 8 columns: months are cut, weeks mostly, days never.
    await emulatorConfig(emulator.url, { reportCellLimit: 1_500 });
    const before = (await emulatorStats(emulator.url)).realms[realmId]?.requests['200'] ?? 0;
    await runReports(['GeneralLedger'], '2024-01-01', '2025-01-01');
    const requests = ((await emulatorStats(emulator.url)).realms[realmId]?.requests['200'] ?? 0) - before;
    await emulatorConfig(emulator.url, { reportCellLimit: 400_000 });
    const stored = await tdb.db
      .selectFrom('raw.qb_reports')
      .select(['period_start', 'period_end', 'checks'])
      .where('report_name', '=', 'GeneralLedger')
      .where('period_start', '<', '2025-01-01')
      .execute();
    assert.ok(stored.length > 12 * 4, `split into ${stored.length} parts`);
    assert.ok(requests > stored.length, `${requests} requests`);
    assert.ok(stored.every((s) => (s.checks as { ok: boolean }).ok));
    const cut = await tdb.db
      .selectFrom('raw.qb_report_rows')
      .select('label')
      .where('label', 'like', 'Unable to display%')
      .execute();
    assert.equal(cut.length, 0);

    for (const month of ['2024-01-01', '2024-02-01', '2024-06-01', '2024-12-01'])
      await assertWholeMonth(month);
  });

  it('reads a day QBO still cuts in batches of columns, merged into the day', async () => {
    // A day of GeneralLedger is about 50 rows: cut at 8 columns, whole at 4 or fewer.
    await emulatorConfig(emulator.url, { reportCellLimit: 200 });
    await runReports(['GeneralLedger'], '2026-08-01', '2026-09-01');
    await emulatorConfig(emulator.url, { reportCellLimit: 400_000 });
    const batched = await tdb.db
      .selectFrom('raw.qb_reports')
      .select(['period_start', 'request_payload'])
      .where('report_name', '=', 'GeneralLedger')
      .where('period_start', '>=', '2026-08-01')
      .where('period_start', '<', '2026-09-01')
      .execute();
    assert.equal(batched.length, 31);
    assert.ok(
      batched.some((b) => b.request_payload.includes('columns=')),
      'some day read by columns',
    );
    await assertWholeMonth('2026-08-01');
  });

  /** Every posting of the month as the emulator's uncut GeneralLedger lists it is stored, no more. */
  async function assertWholeMonth(month: string): Promise<void> {
    /** A posting: its account's path and its cells but the running balance (which is per read). */
    const posting = (path: string[], cells: unknown) =>
      JSON.stringify([
        path,
        (cells as { value?: string; id?: string }[]).slice(0, 7).map((c) => [c.value, c.id]),
      ]);
    const truth = flattenReport(
      await emulatorReport('GeneralLedger', { start_date: month, end_date: monthEnd(month) }),
      'subt_nat_amount',
    )
      .filter((r) => r.rowType === 'data' && r.label !== 'Beginning Balance')
      .map((r) => posting(r.path, r.cells))
      .sort();
    const rows = await tdb.db
      .selectFrom('raw.qb_report_rows')
      .select(['path', 'cells', 'label'])
      .where('report_name', '=', 'GeneralLedger')
      .where('row_type', '=', 'data')
      .where('period_start', '>=', month)
      .where('period_end', '<=', monthEnd(month))
      .execute();
    const kept = rows
      .filter((r) => r.label !== 'Beginning Balance')
      .map((r) => posting(r.path, r.cells))
      .sort();
    assert.ok(truth.length > 100, `${month}: ${truth.length} postings`);
    assert.deepEqual(kept, truth, month);
  }

  it('retries a report job whose request failed (500s), like a window', async () => {
    await emulatorConfig(emulator.url, { serverErrorRate: 0.4 });
    const runId = await runReports(['ProfitAndLoss', 'BalanceSheet'], '2026-01-01', '2026-07-01', 20);
    await emulatorConfig(emulator.url, { serverErrorRate: 0 });
    const windows = await tdb.db
      .selectFrom('ops.windows')
      .select(['entity', 'attempts', 'status'])
      .where('run_id', '=', runId)
      .execute();
    assert.equal(windows.length, 12);
    assert.ok(windows.every((w) => w.status === 'succeeded'));
    assert.ok(
      windows.some((w) => w.attempts > 1),
      JSON.stringify(windows),
    );
    const report = await buildReport(tdb.db, runId);
    assert.equal(report.reports?.length, 12);
    assert.ok(report.reports?.every((r) => r.checks === 'ok'));
    const table = await runCli(['report', '--run', runId], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /12 reports stored, every check ok/);
    const status = await runCli(['status', '--run', runId, '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual((JSON.parse(status.stdout) as { windows: object }).windows, { succeeded: 12 });
    // A report's month is a window: retry reads it again, and the run ends succeeded again.
    const retried = await runCli(
      ['retry', '--run', runId, '--entity', 'ProfitAndLoss', '--day', '2026-03-15'],
      env,
    );
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(await waitForRunEnd(tdb.db, runId, 60_000), 'succeeded');
  });

  it('refuses bad report names and methods (exit 2, nothing recorded); reports --json lists them', async () => {
    const runs = async () =>
      Number(
        (
          await tdb.db
            .selectFrom('ops.runs')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await runs();
    const bad = await runCli(
      ['enqueue', '--reports', 'ProfitAndLoss,Nope', '--from', '2025-01-01', '--to', '2025-01-31'],
      env,
    );
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr.trim(),
      'qbo-backfill enqueue: --reports: unknown report "Nope"; qbo-backfill reports lists the known ones',
    );
    const method = await runCli(
      [
        'enqueue',
        '--reports',
        'all',
        '--accounting-method',
        'lifo',
        '--from',
        '2025-01-01',
        '--to',
        '2025-01-31',
      ],
      env,
    );
    assert.equal(method.code, 2);
    assert.equal(
      method.stderr.trim(),
      'qbo-backfill enqueue: --accounting-method: expected accrual or cash, got "lifo"',
    );
    assert.equal(await runs(), before);
    const listed = await runCli(['reports', '--json'], env);
    assert.deepEqual(JSON.parse(listed.stdout), [
      { name: 'ProfitAndLoss', kind: 'period' },
      { name: 'BalanceSheet', kind: 'as-of' },
      { name: 'TrialBalance', kind: 'as-of' },
      { name: 'GeneralLedger', kind: 'period' },
      { name: 'CashFlow', kind: 'period' },
      { name: 'AgedReceivables', kind: 'as-of' },
      { name: 'AgedPayables', kind: 'as-of' },
    ]);
  });

  it('sync --reports refreshes the trailing months through a sync cycle', async () => {
    const r = await runCli(
      [
        'sync',
        '--realm',
        realmId,
        '--reports',
        'ProfitAndLoss,BalanceSheet',
        '--report-months',
        '2',
        '--once',
        '--json',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      entities: object;
      reports: Record<string, { rows: number; requests: number }>;
      requests: number;
    };
    assert.deepEqual(out.entities, {});
    assert.deepEqual(Object.keys(out.reports).sort(), ['BalanceSheet', 'ProfitAndLoss']);
    assert.equal(out.requests, 4);
    const thisMonth = new Date().toISOString().slice(0, 7);
    const last = new Date(Date.UTC(Number(thisMonth.slice(0, 4)), Number(thisMonth.slice(5, 7)) - 2, 1))
      .toISOString()
      .slice(0, 7);
    const stored = await tdb.db
      .selectFrom('raw.qb_reports')
      .select(['report_name', 'period_start', 'period_end', 'request_payload'])
      .where('report_name', '=', 'ProfitAndLoss')
      .where('period_start', '>=', `${last}-01`)
      .orderBy('period_start')
      .execute();
    assert.deepEqual(
      stored.map((s) => s.period_start),
      [`${last}-01`, `${thisMonth}-01`],
    );
    assert.ok(stored.every((s) => s.request_payload.includes('accounting_method=Accrual')));
  });
});
