/**
 * Reports end to end, as stored: runs of `--reports` through real workers, real PostgreSQL and
 * Redis, against the emulator. What is stored must agree with the emulator's answers to the cent:
 * months add up to the year, balance sheets balance, and a GeneralLedger QBO cuts is kept whole,
 * every posting of every month, no cut answer stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/backfill/runs/report.js';
import { reportNames } from '../../src/model/reports.js';
import { flattenReport } from '../../src/qbo/reports/report-flatten.js';
import { cents } from '../../src/qbo/reports/report-shape.js';
import type { ReportAnswer } from '../../src/qbo/reports/report-shape.js';
import { emulatorConfig, emulatorStats } from '../helpers/backfill.js';
import { accessToken } from '../helpers/emulator-http.js';
import { reportsCompany, type ReportsCompany } from '../helpers/reports-company.js';

const MONTHS = Array.from({ length: 12 }, (_, m) =>
  new Date(Date.UTC(2025, m, 1)).toISOString().slice(0, 10),
);
const monthEnd = (first: string) =>
  new Date(Date.UTC(Number(first.slice(0, 4)), Number(first.slice(5, 7)), 0)).toISOString().slice(0, 10);

describe('reports', () => {
  let company: ReportsCompany;
  let token: string;

  before(async () => {
    company = await reportsCompany('rep');
    token = await accessToken(company.emulator);
  });
  after(() => company.close());

  /** The emulator's own answer, asked directly (not through the product). */
  async function emulatorReport(name: string, params: Record<string, string>): Promise<ReportAnswer> {
    const query = new URLSearchParams({ ...params, accounting_method: 'Accrual', minorversion: '75' });
    const res = await fetch(
      `${company.emulator.url}/v3/company/${company.realmId}/reports/${name}?${query.toString()}`,
      {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      },
    );
    assert.equal(res.status, 200);
    return (await res.json()) as ReportAnswer;
  }

  /** Stored summary amounts of a group, by period start, in cents. */
  async function groupTotals(report: string, group: string): Promise<Map<string, bigint>> {
    const rows = await company.tdb.db
      .selectFrom('raw.qb_report_rows')
      .select(['period_start', 'amount'])
      .where('realm_id', '=', company.realmId)
      .where('report_name', '=', report)
      .where('section_group', '=', group)
      .where('row_type', '=', 'summary')
      .execute();
    return new Map(rows.map((r) => [r.period_start, cents(r.amount ?? '') ?? 0n]));
  }

  it('stores a year of every report by month, checks ok; months add up to the year; balance sheets balance', async () => {
    const runId = await company.runReports(
      ['all'].flatMap(() => reportNames()),
      '2025-01-01',
      '2026-01-01',
    );
    const stored = await company.tdb.db
      .selectFrom('raw.qb_reports')
      .select(['report_name', 'period_start', 'period_end', 'checks'])
      .where('realm_id', '=', company.realmId)
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
    const report = await buildReport(company.tdb.db, runId);
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
    await emulatorConfig(company.emulator.url, { reportCellLimit: 1_500 });
    const before = (await emulatorStats(company.emulator.url)).realms[company.realmId]?.requests['200'] ?? 0;
    await company.runReports(['GeneralLedger'], '2024-01-01', '2025-01-01');
    const requests =
      ((await emulatorStats(company.emulator.url)).realms[company.realmId]?.requests['200'] ?? 0) - before;
    await emulatorConfig(company.emulator.url, { reportCellLimit: 400_000 });
    const stored = await company.tdb.db
      .selectFrom('raw.qb_reports')
      .select(['period_start', 'period_end', 'checks'])
      .where('report_name', '=', 'GeneralLedger')
      .where('period_start', '<', '2025-01-01')
      .execute();
    assert.ok(stored.length > 12 * 4, `split into ${stored.length} parts`);
    assert.ok(requests > stored.length, `${requests} requests`);
    assert.ok(stored.every((s) => (s.checks as { ok: boolean }).ok));
    const cut = await company.tdb.db
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
    await emulatorConfig(company.emulator.url, { reportCellLimit: 200 });
    await company.runReports(['GeneralLedger'], '2026-08-01', '2026-09-01');
    await emulatorConfig(company.emulator.url, { reportCellLimit: 400_000 });
    const batched = await company.tdb.db
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
    const rows = await company.tdb.db
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
});
