/**
 * Reports' pure pieces: where a cut month splits, what a flattened report holds, which answers are
 * cut, and the checks every stored report gets, on small answers in QBO's shape.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findReport, type ReportDefinition } from '../../src/model/reports.js';
import {
  isColumnSplit,
  monthPart,
  monthsOf,
  reportParams,
  splitCutPart,
} from '../../src/backfill/report/report-split-plan.js';
import { flattenReport } from '../../src/qbo/reports/report-flatten.js';
import { reportCut } from '../../src/qbo/reports/report-cut.js';
import { checkReport, checksText } from '../../src/qbo/reports/report-checks.js';
import { mergeColumnBatches } from '../../src/qbo/reports/report-merge.js';
import { balanceSheet, generalLedger, profitAndLoss, trialBalance } from './fixtures/report-answers.js';

const GL = findReport('GeneralLedger') as ReportDefinition;
const PL = findReport('ProfitAndLoss') as ReportDefinition;
const BS = findReport('BalanceSheet') as ReportDefinition;

describe('report split plan', () => {
  it('reads calendar months: a period over the month, an as-of report at its last day', () => {
    assert.deepEqual(monthsOf('2024-01-15', '2024-03-01'), ['2024-01-01', '2024-02-01', '2024-03-01']);
    assert.deepEqual(monthPart(PL, '2024-02-01'), { start: '2024-02-01', end: '2024-02-29' });
    assert.deepEqual(monthPart(BS, '2024-02-01'), { start: '2024-02-29', end: '2024-02-29' });
    assert.deepEqual(reportParams(PL, { start: '2024-02-01', end: '2024-02-29' }, 'Cash'), {
      start_date: '2024-02-01',
      end_date: '2024-02-29',
      accounting_method: 'Cash',
    });
    const aged = findReport('AgedReceivables') as ReportDefinition;
    assert.deepEqual(reportParams(aged, monthPart(aged, '2024-02-01'), 'Accrual'), {
      report_date: '2024-02-29',
      accounting_method: 'Accrual',
    });
  });

  it('splits a cut month into weeks, a week into days, a day of GeneralLedger into column halves', () => {
    const weeks = splitCutPart(GL, { start: '2025-01-01', end: '2025-01-31' });
    assert.deepEqual(
      weeks.map((w) => `${w.start}..${w.end}`),
      [
        '2025-01-01..2025-01-07',
        '2025-01-08..2025-01-14',
        '2025-01-15..2025-01-21',
        '2025-01-22..2025-01-28',
        '2025-01-29..2025-01-31',
      ],
    );
    const days = splitCutPart(GL, weeks[4] as { start: string; end: string });
    assert.deepEqual(
      days.map((d) => d.start),
      ['2025-01-29', '2025-01-30', '2025-01-31'],
    );
    const halves = splitCutPart(GL, { start: '2025-01-29', end: '2025-01-29' });
    assert.equal(isColumnSplit(halves), true);
    assert.deepEqual(
      halves.map((h) => h.columns?.length),
      [4, 4],
    );
    assert.deepEqual([...(halves[0]?.columns ?? []), ...(halves[1]?.columns ?? [])], GL.detailColumns);
    assert.equal(
      reportParams(GL, halves[1] as never, 'Accrual').columns,
      'memo,split_acc,subt_nat_amount,rbal_nat_amount',
    );
    // One column cut is the end; so is an as-of report (one date) and a summary report's day.
    assert.deepEqual(splitCutPart(GL, { start: '2025-01-29', end: '2025-01-29', columns: ['memo'] }), []);
    assert.deepEqual(splitCutPart(BS, { start: '2025-01-31', end: '2025-01-31' }), []);
    assert.deepEqual(splitCutPart(PL, { start: '2025-01-31', end: '2025-01-31' }), []);
  });
});

describe('report answers', () => {
  it('flattens rows in order with their path, group, type, account, label and amount', () => {
    const rows = flattenReport(profitAndLoss());
    assert.deepEqual(
      rows.map((r) => [
        r.rowNumber,
        r.path.join('/'),
        r.sectionGroup,
        r.rowType,
        r.accountId,
        r.label,
        r.amount,
      ]),
      [
        [1, 'Income', 'Income', 'data', '1', 'Services', '1000.00'],
        [2, 'Income/Sales', '', 'data', '2', 'Hardware', '300.00'],
        [3, 'Income/Sales', '', 'data', '3', 'Software', '200.00'],
        [4, 'Income/Sales', '', 'summary', null, 'Total Sales', '500.00'],
        [5, 'Income', 'Income', 'summary', null, 'Total Income', '1500.00'],
        [6, 'Expenses', 'Expenses', 'data', '4', 'Rent', '400.10'],
        [7, 'Expenses', 'Expenses', 'data', '5', 'Utilities', null],
        [8, 'Expenses', 'Expenses', 'summary', null, 'Total Expenses', '400.10'],
        [9, '', 'NetIncome', 'summary', null, 'Total NetIncome', '1099.90'],
      ],
    );
    assert.deepEqual(rows[0]?.cells, [{ value: 'Services', id: '1' }, { value: '1000.00' }]);
    // GeneralLedger's amount is its amount column, not the running balance that ends it.
    assert.deepEqual(
      flattenReport(generalLedger(), GL.amountKey).map((r) => r.amount),
      ['100.00', '50.00', '150.00'],
    );
  });

  it('knows a cut answer by its message, and a detail report by its last group without Summary', () => {
    assert.equal(reportCut(generalLedger(), true), null);
    assert.match(reportCut(generalLedger('message'), true) ?? '', /Unable to display more data/);
    assert.equal(reportCut(generalLedger('summary'), true), 'the last group has no Summary');
    // A summary report's computed groups have no rows; that is no cut.
    assert.equal(reportCut(profitAndLoss(), false), null);
  });

  it('merges column batches of a day row by row', () => {
    const whole = generalLedger();
    const left = { ...whole, Columns: { Column: whole.Columns?.Column?.slice(0, 2) } };
    const right = { ...whole, Columns: { Column: whole.Columns?.Column?.slice(2) } };
    const cut = (a: typeof whole, from: number, to: number) => {
      const s = structuredClone(a);
      for (const sec of s.Rows?.Row ?? []) {
        for (const r of sec.Rows?.Row ?? []) r.ColData = r.ColData?.slice(from, to);
        if (sec.Summary) sec.Summary.ColData = sec.Summary.ColData?.slice(from, to);
      }
      return s;
    };
    const merged = mergeColumnBatches([cut(left, 0, 2), cut(right, 2, 4)]);
    assert.deepEqual(flattenReport(merged, GL.amountKey), flattenReport(whole, GL.amountKey));
  });
});

describe('report checks', () => {
  it('passes whole, balanced reports', () => {
    assert.deepEqual(checkReport('ProfitAndLoss', profitAndLoss()), { ok: true });
    assert.deepEqual(checkReport('BalanceSheet', balanceSheet()), { ok: true });
    assert.deepEqual(checkReport('TrialBalance', trialBalance()), { ok: true });
    assert.deepEqual(checkReport('GeneralLedger', generalLedger(), GL.amountKey), { ok: true });
  });

  it('says which section does not add up, and by how much', () => {
    const checks = checkReport('ProfitAndLoss', profitAndLoss('1500.01'));
    assert.deepEqual(checks, {
      ok: false,
      failed: [{ check: 'section Income', expected: '1500.01', actual: '1500.00' }],
    });
    assert.equal(checksText(checks), 'section Income: 1500.01 vs 1500.00');
  });

  it('fails a balance sheet that does not balance and a trial balance whose sides differ', () => {
    const bs = checkReport('BalanceSheet', balanceSheet('699.99'));
    assert.equal(bs.ok, false);
    assert.deepEqual(bs.ok ? [] : bs.failed.map((f) => f.check), ['section LIABILITIES AND EQUITY']);
    const unbalanced = balanceSheet();
    const claims = unbalanced.Rows?.Row?.[1];
    if (claims?.Summary?.ColData?.[1]) claims.Summary.ColData[1].value = '999.00';
    const failed = checkReport('BalanceSheet', unbalanced);
    assert.equal(
      checksText(failed),
      'section LIABILITIES AND EQUITY: 999.00 vs 1000.00; TotalAssets = TotalLiabilitiesAndEquity: 1000.00 vs 999.00',
    );
    assert.equal(
      checksText(checkReport('TrialBalance', trialBalance('250.05'))),
      'total debits = total credits: 250.00 vs 250.05',
    );
  });
});
