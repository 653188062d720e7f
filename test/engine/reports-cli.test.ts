/**
 * Reports through the command line: a report job retried like a window, `report` and `status` on
 * its run, bad report names and methods refused, and `sync --reports` refreshing the trailing
 * months; real workers, PostgreSQL and Redis, against the emulator.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/backfill/runs/report.js';
import { emulatorConfig, waitForRunEnd } from '../helpers/backfill.js';
import { runCli } from '../helpers/cli.js';
import { reportsCompany, type ReportsCompany } from '../helpers/reports-company.js';
import { countRows } from '../helpers/stores.js';

describe('reports through the command line', () => {
  let company: ReportsCompany;

  before(async () => {
    company = await reportsCompany('rep-cli');
  });
  after(() => company.close());

  it('retries a report job whose request failed (500s), like a window', async () => {
    await emulatorConfig(company.emulator.url, { serverErrorRate: 0.4 });
    const runId = await company.runReports(['ProfitAndLoss', 'BalanceSheet'], '2026-01-01', '2026-07-01', 20);
    await emulatorConfig(company.emulator.url, { serverErrorRate: 0 });
    const windows = await company.tdb.db
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
    const report = await buildReport(company.tdb.db, runId);
    assert.equal(report.reports?.length, 12);
    assert.ok(report.reports?.every((r) => r.checks === 'ok'));
    const table = await runCli(['report', '--run', runId], company.env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /12 reports stored, every check ok/);
    const status = await runCli(['status', '--run', runId, '--json'], company.env);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual((JSON.parse(status.stdout) as { windows: object }).windows, { succeeded: 12 });
    // A report's month is a window: retry reads it again, and the run ends succeeded again.
    const retried = await runCli(
      ['retry', '--run', runId, '--entity', 'ProfitAndLoss', '--day', '2026-03-15'],
      company.env,
    );
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(await waitForRunEnd(company.tdb.db, runId, 60_000), 'succeeded');
  });

  it('refuses bad report names and methods (exit 2, nothing recorded); reports --json lists them', async () => {
    const runs = () => countRows(company.tdb.db, 'ops.runs');
    const before = await runs();
    const bad = await runCli(
      ['enqueue', '--reports', 'ProfitAndLoss,Nope', '--from', '2025-01-01', '--to', '2025-01-31'],
      company.env,
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
      company.env,
    );
    assert.equal(method.code, 2);
    assert.equal(
      method.stderr.trim(),
      'qbo-backfill enqueue: --accounting-method: expected accrual or cash, got "lifo"',
    );
    assert.equal(await runs(), before);
    const listed = await runCli(['reports', '--json'], company.env);
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
        company.realmId,
        '--reports',
        'ProfitAndLoss,BalanceSheet',
        '--report-months',
        '2',
        '--once',
        '--json',
      ],
      company.env,
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
    const stored = await company.tdb.db
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
