import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCents, type SectionRow } from '../src/reports/report-shape.js';
import { dataRows, group, report, total, useReportEmulator } from './report-fixture.js';

const MONTH_ENDS = Array.from({ length: 12 }, (_, m) =>
  new Date(Date.UTC(2025, m + 1, 0)).toISOString().slice(0, 10),
);

describe('reports', () => {
  const ctx = useReportEmulator();

  it("answers a ProfitAndLoss in QBO's shape", async () => {
    const rep = await report(ctx, 'ProfitAndLoss', {
      start_date: '2025-01-01',
      end_date: '2025-12-31',
      accounting_method: 'Accrual',
    });
    assert.deepEqual(Object.keys(rep), ['Header', 'Columns', 'Rows']);
    assert.equal(rep.Header.ReportName, 'ProfitAndLoss');
    assert.equal(rep.Header.StartPeriod, '2025-01-01');
    assert.equal(rep.Header.EndPeriod, '2025-12-31');
    assert.equal(rep.Header.ReportBasis, 'Accrual');
    assert.equal(rep.Header.Currency, 'USD');
    assert.deepEqual(rep.Header.Option, [
      { Name: 'AccountingStandard', Value: 'GAAP' },
      { Name: 'NoReportData', Value: 'false' },
    ]);
    assert.deepEqual(rep.Columns.Column, [
      { ColTitle: '', ColType: 'Account', MetaData: [{ Name: 'ColKey', Value: 'account' }] },
      { ColTitle: 'Total', ColType: 'Money', MetaData: [{ Name: 'ColKey', Value: 'total' }] },
    ]);
    const income = group(rep.Rows.Row, 'Income') as SectionRow;
    assert.deepEqual(Object.keys(income), ['Header', 'Rows', 'Summary', 'type', 'group']);
    assert.deepEqual(income.Header?.ColData, [{ value: 'Income' }, { value: '' }]);
    const first = income.Rows?.Row[0];
    assert.equal(first?.type, 'Data');
    assert.match(first?.type === 'Data' ? (first.ColData[0]?.id ?? '') : '', /^\d+$/);
    assert.equal(income.Summary?.ColData[0]?.value, 'Total Income');
    assert.deepEqual(
      rep.Rows.Row.map((r) => (r as SectionRow).group),
      rep.Rows.Row.map((r) => (r as SectionRow).group).filter((g) => g !== undefined),
    );
    const ni = group(rep.Rows.Row, 'NetIncome') as SectionRow;
    assert.deepEqual(Object.keys(ni), ['Summary', 'type', 'group']);
    assert.equal(
      total(rep, 'NetIncome'),
      total(rep, 'Income') -
        total(rep, 'COGS') -
        total(rep, 'Expenses') +
        total(rep, 'OtherIncome') -
        total(rep, 'OtherExpenses'),
    );
    assert.ok(total(rep, 'Income') > 0);
  });

  it('adds a year of monthly P&Ls up to the yearly P&L, to the cent, on both bases', async () => {
    for (const basis of ['Accrual', 'Cash']) {
      const year = await report(ctx, 'ProfitAndLoss', {
        start_date: '2025-01-01',
        end_date: '2025-12-31',
        accounting_method: basis,
      });
      const months = await report(ctx, 'ProfitAndLoss', {
        start_date: '2025-01-01',
        end_date: '2025-12-31',
        accounting_method: basis,
        summarize_column_by: 'Month',
      });
      assert.equal(months.Columns.Column.length, 14);
      assert.equal(months.Columns.Column[1]?.ColTitle, 'Jan 2025');
      assert.deepEqual(months.Columns.Column[1]?.MetaData, [
        { Name: 'StartDate', Value: '2025-01-01' },
        { Name: 'EndDate', Value: '2025-01-31' },
        { Name: 'ColKey', Value: 'Jan 2025' },
      ]);
      for (const g of ['Income', 'COGS', 'Expenses', 'NetIncome']) {
        let sum = 0;
        for (let m = 1; m <= 12; m++) sum += total(months, g, m);
        assert.equal(sum, total(year, g), `${basis} ${g}: months add up to the year`);
        assert.equal(total(months, g, 13), total(year, g), `${basis} ${g}: the Total column`);
      }
      // Every account row too.
      const yearRows = new Map(
        dataRows(year.Rows.Row).map((r) => [r.type === 'Data' ? r.ColData[0]?.id : '', r]),
      );
      for (const r of dataRows(months.Rows.Row)) {
        if (r.type !== 'Data') continue;
        const cols = r.ColData.slice(1, 13).reduce((a, c) => a + parseCents(c.value), 0);
        const y = yearRows.get(r.ColData[0]?.id);
        assert.equal(cols, y?.type === 'Data' ? parseCents(y.ColData[1]?.value ?? '') : NaN);
      }
    }
  });

  it('balances the balance sheet at every month end, and its net income is the year to date', async () => {
    for (const basis of ['Accrual', 'Cash']) {
      for (const end of MONTH_ENDS) {
        const bs = await report(ctx, 'BalanceSheet', { end_date: end, accounting_method: basis });
        assert.equal(bs.Header.ReportName, 'BalanceSheet');
        const assets = total(bs, 'TotalAssets');
        assert.ok(assets !== 0);
        assert.equal(assets, total(bs, 'TotalLiabilitiesAndEquity'), `${basis} ${end}`);
        const equity = group(bs.Rows.Row, 'Equity') as SectionRow;
        const last = equity.Rows?.Row.at(-1);
        assert.equal(last?.type === 'Data' ? last.ColData[0]?.value : '', 'Net Income');
        const pl = await report(ctx, 'ProfitAndLoss', {
          start_date: '2025-01-01',
          end_date: end,
          accounting_method: basis,
        });
        assert.equal(
          last?.type === 'Data' ? parseCents(last.ColData[1]?.value ?? '') : NaN,
          total(pl, 'NetIncome'),
        );
        if (basis === 'Cash') assert.equal(group(bs.Rows.Row, 'AR'), undefined, 'no A/R on cash basis');
      }
    }
  });

  it('balances the trial balance, and the balance sheet by month balances in every column', async () => {
    for (const end of ['2024-03-31', '2025-06-30', '2026-06-14']) {
      const tb = await report(ctx, 'TrialBalance', { end_date: end, accounting_method: 'Accrual' });
      assert.deepEqual(
        tb.Columns.Column.map((c) => c.ColTitle),
        ['', 'Debit', 'Credit'],
      );
      const grand = tb.Rows.Row.at(-1) as SectionRow;
      assert.equal(grand.group, 'GrandTotal');
      const [label, debit, credit] = grand.Summary?.ColData ?? [];
      assert.equal(label?.value, 'TOTAL');
      assert.equal(debit?.value, credit?.value, `trial balance at ${end}`);
      let d = 0;
      let c = 0;
      for (const r of dataRows(tb.Rows.Row))
        if (r.type === 'Data') {
          d += parseCents(r.ColData[1]?.value ?? '');
          c += parseCents(r.ColData[2]?.value ?? '');
        }
      assert.equal(d, parseCents(debit?.value ?? ''));
      assert.equal(c, parseCents(credit?.value ?? ''));
    }
    const bs = await report(ctx, 'BalanceSheet', {
      start_date: '2025-01-01',
      end_date: '2025-12-31',
      summarize_column_by: 'Month',
    });
    for (let m = 1; m <= 12; m++)
      assert.equal(total(bs, 'TotalAssets', m), total(bs, 'TotalLiabilitiesAndEquity', m));
  });

  it('explains the change of cash in the cash flow, and ages receivables to the A/R balance', async () => {
    const cf = await report(ctx, 'CashFlow', {
      start_date: '2025-01-01',
      end_date: '2025-12-31',
      accounting_method: 'Accrual',
    });
    const bank = async (end: string) => {
      const bs = await report(ctx, 'BalanceSheet', { end_date: end, accounting_method: 'Accrual' });
      return total(bs, 'BankAccounts');
    };
    assert.equal(total(cf, 'BeginningCash'), await bank('2024-12-31'));
    assert.equal(total(cf, 'EndingCash'), await bank('2025-12-31'));
    for (const [name, g] of [
      ['AgedReceivables', 'AR'],
      ['AgedPayables', 'AP'],
    ] as const) {
      const aged = await report(ctx, name, { report_date: '2025-09-30' });
      const grand = aged.Rows.Row.at(-1) as SectionRow;
      const cols = grand.Summary?.ColData ?? [];
      assert.equal(cols.length, 7);
      const buckets = cols.slice(1, 6).reduce((a, c) => a + parseCents(c.value), 0);
      assert.equal(buckets, parseCents(cols[6]?.value ?? ''));
      const bs = await report(ctx, 'BalanceSheet', { end_date: '2025-09-30', accounting_method: 'Accrual' });
      assert.equal(parseCents(cols[6]?.value ?? ''), total(bs, g), `${name} total = balance sheet ${g}`);
    }
  });

  it('lists a month of postings in the GeneralLedger, each account from its beginning balance', async () => {
    const gl = await report(ctx, 'GeneralLedger', {
      start_date: '2025-03-01',
      end_date: '2025-03-31',
      accounting_method: 'Accrual',
    });
    assert.deepEqual(
      gl.Columns.Column.map((c) => c.MetaData?.[0]?.Value),
      ['tx_date', 'txn_type', 'doc_num', 'name', 'memo', 'split_acc', 'subt_nat_amount', 'rbal_nat_amount'],
    );
    const bs = await report(ctx, 'TrialBalance', { end_date: '2025-03-31', accounting_method: 'Accrual' });
    let debits = 0;
    for (const s of gl.Rows.Row as SectionRow[]) {
      assert.match(s.Header?.ColData[0]?.id ?? '', /^\d+$/);
      const rows = s.Rows?.Row ?? [];
      for (const r of rows)
        if (r.type === 'Data' && r.ColData[0]?.value !== 'Beginning Balance')
          assert.match(r.ColData[0]?.value ?? '', /^2025-03-\d\d$/);
      assert.equal(s.Summary?.ColData[0]?.value, `Total for ${s.Header?.ColData[0]?.value}`);
      debits += rows.length;
    }
    assert.ok(debits > 0 && bs.Rows.Row.length > 0);
    const some = await report(ctx, 'GeneralLedger', {
      start_date: '2025-03-01',
      end_date: '2025-03-31',
      columns: 'tx_date,account_name,debt_amt,credit_amt',
    });
    assert.deepEqual(
      some.Columns.Column.map((c) => c.ColTitle),
      ['Date', 'Account', 'Debit', 'Credit'],
    );
    let d = 0;
    let c = 0;
    for (const r of dataRows(some.Rows.Row))
      if (r.type === 'Data') {
        d += parseCents(r.ColData[2]?.value ?? '');
        c += parseCents(r.ColData[3]?.value ?? '');
      }
    assert.equal(d, c, 'the month posts as many debits as credits');
  });
});
