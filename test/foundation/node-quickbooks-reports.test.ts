/**
 * node-quickbooks, a widely used QBO client, reads the emulator's reports as it reads QBO's: its
 * report functions build `/v3/company/{realm}/reports/{Name}?…&minorversion=75&format=json` on
 * `QuickBooks.V3_ENDPOINT_BASE_URL`, which is pointed at the emulator here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type * as NodeQuickBooks from 'node-quickbooks';
import type { RunningEmulator } from '@qbo-backfill/emulator';
import { accessToken, manualClock, start } from '../helpers/emulator-http.js';

interface ReportBody {
  Header: { ReportName: string; ReportBasis: string; StartPeriod: string; EndPeriod: string };
  Columns: { Column: { ColTitle: string; ColType: string }[] };
  Rows: { Row: Row[] };
}
interface Row {
  type: string;
  group?: string;
  ColData?: { value: string; id?: string }[];
  Summary?: { ColData: { value: string }[] };
  Rows?: { Row: Row[] };
}

/**
 * node-quickbooks is CommonJS (`module.exports = QuickBooks`) while its typings declare an ES
 * default export: required, and typed as that default.
 */
type QuickBooksClass = typeof NodeQuickBooks.default.default;
const QuickBooks = createRequire(import.meta.url)('node-quickbooks') as QuickBooksClass;

type ReportFn = (options: Record<string, string>, callback: (err: unknown, body: unknown) => void) => void;

function summary(rows: readonly Row[], group: string): string[] | undefined {
  for (const r of rows) {
    if (r.group === group) return r.Summary?.ColData.map((c) => c.value);
    const inner = summary(r.Rows?.Row ?? [], group);
    if (inner) return inner;
  }
  return undefined;
}

describe('node-quickbooks reads the emulator reports', () => {
  let em: RunningEmulator;
  let qbo: InstanceType<QuickBooksClass>;
  const base = QuickBooks.V3_ENDPOINT_BASE_URL;

  before(async () => {
    em = await start({ seed: 21, clock: manualClock() });
    QuickBooks.V3_ENDPOINT_BASE_URL = `${em.url}/v3/company/`;
    const token = await accessToken(em);
    qbo = new QuickBooks(
      em.clientId,
      em.clientSecret,
      token,
      false,
      em.realmIds[0] as string,
      true,
      false,
      '75',
      '2.0',
      em.refreshToken,
    );
  });
  after(async () => {
    QuickBooks.V3_ENDPOINT_BASE_URL = base;
    await em.close();
  });

  const call = (fn: ReportFn, options: Record<string, string>) =>
    new Promise<ReportBody>((resolve, reject) =>
      fn.call(qbo, options, (err, body) => (err ? reject(err as Error) : resolve(body as ReportBody))),
    );

  it('gets ProfitAndLoss, BalanceSheet, TrialBalance and GeneralLedger that agree', async () => {
    const range = { start_date: '2025-01-01', end_date: '2025-06-30', accounting_method: 'Accrual' };
    const pl = await call(qbo.reportProfitAndLoss.bind(qbo) as ReportFn, range);
    assert.equal(pl.Header.ReportName, 'ProfitAndLoss');
    assert.equal(pl.Header.StartPeriod, '2025-01-01');
    const netIncome = summary(pl.Rows.Row, 'NetIncome')?.[1];
    assert.match(netIncome ?? '', /^-?\d+\.\d\d$/);

    const bs = await call(qbo.reportBalanceSheet.bind(qbo) as ReportFn, range);
    assert.equal(bs.Header.ReportName, 'BalanceSheet');
    assert.equal(
      summary(bs.Rows.Row, 'TotalAssets')?.[1],
      summary(bs.Rows.Row, 'TotalLiabilitiesAndEquity')?.[1],
    );
    const equity = (function find(rows: readonly Row[]): Row | undefined {
      for (const r of rows) {
        if (r.group === 'Equity') return r;
        const inner = find(r.Rows?.Row ?? []);
        if (inner) return inner;
      }
      return undefined;
    })(bs.Rows.Row);
    const netIncomeRow = equity?.Rows?.Row.at(-1)?.ColData;
    assert.deepEqual(netIncomeRow, [{ value: 'Net Income' }, { value: netIncome }]);

    const tb = await call(qbo.reportTrialBalance.bind(qbo) as ReportFn, range);
    assert.equal(tb.Header.ReportName, 'TrialBalance');
    const [label, debit, credit] = summary(tb.Rows.Row, 'GrandTotal') ?? [];
    assert.equal(label, 'TOTAL');
    assert.equal(debit, credit);

    const gl = await call(qbo.reportGeneralLedgerDetail.bind(qbo) as ReportFn, {
      start_date: '2025-06-01',
      end_date: '2025-06-30',
      columns: 'tx_date,txn_type,account_name,debt_amt,credit_amt',
    });
    assert.equal(gl.Header.ReportName, 'GeneralLedger');
    assert.deepEqual(
      gl.Columns.Column.map((c) => c.ColTitle),
      ['Date', 'Transaction Type', 'Account', 'Debit', 'Credit'],
    );
    let debits = 0;
    let credits = 0;
    const walk = (rows: readonly Row[]) => {
      for (const r of rows) {
        if (r.type === 'Data' && r.ColData?.[0]?.value.startsWith('2025-06')) {
          debits += Math.round(Number(r.ColData[3]?.value || 0) * 100);
          credits += Math.round(Number(r.ColData[4]?.value || 0) * 100);
        }
        walk(r.Rows?.Row ?? []);
      }
    };
    walk(gl.Rows.Row);
    assert.ok(debits > 0);
    assert.equal(debits, credits);
  });

  it('gets the cash flow and the aging reports', async () => {
    const cf = await call(qbo.reportCashFlow.bind(qbo) as ReportFn, {
      start_date: '2025-01-01',
      end_date: '2025-03-31',
    });
    assert.equal(cf.Header.ReportName, 'CashFlow');
    assert.ok(summary(cf.Rows.Row, 'EndingCash'));
    const ar = await call(qbo.reportAgedReceivables.bind(qbo) as ReportFn, { report_date: '2025-03-31' });
    assert.equal(ar.Header.ReportName, 'AgedReceivables');
    assert.deepEqual(
      ar.Columns.Column.map((c) => c.ColTitle),
      ['', 'Current', '1 - 30', '31 - 60', '61 - 90', '91 and over', 'Total'],
    );
    const ap = await call(qbo.reportAgedPayables.bind(qbo) as ReportFn, { report_date: '2025-03-31' });
    assert.equal(ap.Header.ReportName, 'AgedPayables');
  });
});
