/**
 * The summary reports computed from the ledger's totals: ProfitAndLoss, BalanceSheet, CashFlow
 * (each a section tree, as data) and TrialBalance.
 *
 * - Amounts show in each section's natural sign: assets, costs and expenses debit-positive;
 *   liabilities, equity and income credit-positive.
 * - The fiscal year is the calendar year. A balance sheet's Equity holds Retained Earnings (the
 *   RetainedEarnings account plus the net income of every earlier fiscal year) and a Net Income row
 *   (this fiscal year to the column's date), so assets = liabilities + equity, to the cent.
 * - A trial balance as of D: balance-sheet accounts from the beginning of the data to D, income and
 *   expense accounts from January 1 of D's year, earlier years' net income folded into Retained
 *   Earnings; debits equal credits.
 * - CashFlow (indirect): Net Income, then the change of every other balance-sheet account, cash
 *   being the Bank accounts; the net change equals the change of cash over the period.
 */
import type { LedgerView } from '../ledger/realm-ledger.js';
import { periodMeta, periodsOf, yearStartDay, type Period, type ReportParams } from './report-params.js';
import { cell, dataRow, formatCents, section, type Column, type Report, type Row } from './report-shape.js';
import { renderSections, type SectionSpec } from './section-render.js';
import {
  BALANCE_SHEET_SECTIONS,
  CASH_FLOW_SECTIONS,
  PROFIT_AND_LOSS_SECTIONS,
} from './statement-sections.js';
import { reportHeader } from './report-header.js';

/** Before any transaction date (TxnDates start in December 2023). */
const BEGINNING = -1000;

/** Account types in QBO's order; the first five and cost/expense types are debit-natured. */
export const TYPE_ORDER = [
  'Bank',
  'Accounts Receivable',
  'Other Current Asset',
  'Fixed Asset',
  'Other Asset',
  'Accounts Payable',
  'Credit Card',
  'Other Current Liability',
  'Long Term Liability',
  'Equity',
  'Income',
  'Cost of Goods Sold',
  'Expense',
  'Other Income',
  'Other Expense',
] as const;

const DEBIT_NATURED = new Set([
  'Bank',
  'Accounts Receivable',
  'Other Current Asset',
  'Fixed Asset',
  'Other Asset',
  'Cost of Goods Sold',
  'Expense',
  'Other Expense',
]);
const PROFIT_AND_LOSS = new Set(['Income', 'Cost of Goods Sold', 'Expense', 'Other Income', 'Other Expense']);

type Sign = (type: string) => number;
const natural: Sign = (type) => (DEBIT_NATURED.has(type) ? 1 : -1);

/** Per-column account amounts, in display sign, for the accounts `keep` accepts. */
class Columns {
  readonly byAccount = new Map<string, number[]>();
  readonly named = new Map<string, number[]>();
  constructor(
    readonly view: LedgerView,
    readonly count: number,
  ) {}

  set(column: number, sums: ReadonlyMap<string, number>, keep: (type: string) => boolean, sign: Sign): void {
    for (const [id, net] of sums) {
      const type = this.view.lookup.accounts.get(id)?.type ?? '';
      if (!keep(type)) continue;
      this.bump(id, column, sign(type) * net);
    }
  }

  bump(id: string, column: number, by: number): void {
    let row = this.byAccount.get(id);
    if (!row) {
      row = new Array<number>(this.count).fill(0);
      this.byAccount.set(id, row);
    }
    row[column] = (row[column] as number) + by;
  }

  name(name: string, column: number, value: number): void {
    let row = this.named.get(name);
    if (!row) {
      row = new Array<number>(this.count).fill(0);
      this.named.set(name, row);
    }
    row[column] = value;
  }
}

function netIncome(view: LedgerView, sums: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const [id, net] of sums)
    if (PROFIT_AND_LOSS.has(view.lookup.accounts.get(id)?.type ?? '')) total -= net;
  return total;
}

function statement(
  name: string,
  params: ReportParams,
  periods: Period[],
  cols: Columns,
  specs: readonly SectionSpec[],
): Report {
  const { rows } = renderSections(specs, {
    accounts: cols.view.lookup.accounts,
    ...cols,
    columns: periods.length,
  });
  const columns: Column[] = [
    { ColTitle: '', ColType: 'Account', MetaData: [{ Name: 'ColKey', Value: 'account' }] },
    ...periods.map((p) => ({ ColTitle: p.title, ColType: 'Money', MetaData: periodMeta(p) })),
  ];
  const noData = [...cols.byAccount.values()].every((v) => v.every((x) => x === 0));
  return { Header: reportHeader(name, params, noData), Columns: { Column: columns }, Rows: { Row: rows } };
}

/** Periods plus a Total column when there are several. */
function withTotal(params: ReportParams): Period[] {
  const periods = periodsOf(params);
  if (periods.length > 1)
    periods.push({ startDay: params.startDay, endDay: params.endDay, title: 'Total', key: 'total' });
  return periods;
}

/** The Retained Earnings account: the lowest-Id account of subtype RetainedEarnings. */
function retainedEarningsId(view: LedgerView): string | undefined {
  return view.lookup.accountOfSubType('RetainedEarnings');
}

export function profitAndLoss(view: LedgerView, params: ReportParams): Report {
  const periods = withTotal(params);
  const cols = new Columns(view, periods.length);
  periods.forEach((p, i) =>
    cols.set(i, view.sum(p.startDay, p.endDay), (t) => PROFIT_AND_LOSS.has(t), natural),
  );
  return statement('ProfitAndLoss', params, periods, cols, PROFIT_AND_LOSS_SECTIONS);
}

export function balanceSheet(view: LedgerView, params: ReportParams): Report {
  const periods = periodsOf(params);
  const cols = new Columns(view, periods.length);
  const re = retainedEarningsId(view);
  periods.forEach((p, i) => {
    const cumulative = view.sum(BEGINNING, p.endDay);
    const thisYear = netIncome(view, view.sum(yearStartDay(p.endDay), p.endDay));
    cols.set(i, cumulative, (t) => !PROFIT_AND_LOSS.has(t), natural);
    cols.name('NetIncome', i, thisYear);
    const prior = netIncome(view, cumulative) - thisYear;
    if (re !== undefined) cols.bump(re, i, prior);
  });
  return statement('BalanceSheet', params, periods, cols, BALANCE_SHEET_SECTIONS);
}

export function cashFlow(view: LedgerView, params: ReportParams): Report {
  const periods = withTotal(params);
  const cols = new Columns(view, periods.length);
  periods.forEach((p, i) => {
    const change = view.sum(p.startDay, p.endDay);
    cols.set(
      i,
      change,
      (t) => !PROFIT_AND_LOSS.has(t) && t !== 'Bank',
      () => -1,
    );
    cols.name('NetIncome', i, netIncome(view, change));
    let cash = 0;
    for (const [id, net] of view.sum(BEGINNING, p.startDay - 1))
      if (view.lookup.accounts.get(id)?.type === 'Bank') cash += net;
    cols.name('BeginningCash', i, cash);
  });
  return statement('CashFlow', params, periods, cols, CASH_FLOW_SECTIONS);
}

export function trialBalance(view: LedgerView, params: ReportParams): Report {
  const end = params.endDay;
  const cumulative = view.sum(BEGINNING, end);
  const thisYear = view.sum(yearStartDay(end), end);
  const nets = new Map<string, number>();
  for (const [id, net] of cumulative)
    if (!PROFIT_AND_LOSS.has(view.lookup.accounts.get(id)?.type ?? '')) nets.set(id, net);
  for (const [id, net] of thisYear)
    if (PROFIT_AND_LOSS.has(view.lookup.accounts.get(id)?.type ?? '')) nets.set(id, net);
  const prior = netIncome(view, cumulative) - netIncome(view, thisYear);
  const re = retainedEarningsId(view);
  if (re !== undefined) nets.set(re, (nets.get(re) ?? 0) - prior);
  const order = (type: string) => TYPE_ORDER.indexOf(type as (typeof TYPE_ORDER)[number]);
  const accounts = [...nets.entries()]
    .filter(([, net]) => net !== 0)
    .map(([id, net]) => ({ account: view.lookup.accounts.get(id), id, net }))
    .sort(
      (a, b) =>
        order(a.account?.type ?? '') - order(b.account?.type ?? '') ||
        (a.account?.name ?? '').localeCompare(b.account?.name ?? '') ||
        Number(a.id) - Number(b.id),
    );
  let debit = 0;
  let credit = 0;
  const rows: Row[] = accounts.map(({ account, id, net }) => {
    if (net > 0) debit += net;
    else credit -= net;
    return dataRow([
      cell(account?.name ?? id, id),
      cell(net > 0 ? formatCents(net) : ''),
      cell(net < 0 ? formatCents(-net) : ''),
    ]);
  });
  rows.push(
    section('GrandTotal', undefined, undefined, [
      cell('TOTAL'),
      cell(formatCents(debit)),
      cell(formatCents(credit)),
    ]),
  );
  const money = (title: string) => ({
    ColTitle: title,
    ColType: 'Money',
    MetaData: [{ Name: 'ColKey', Value: title }],
  });
  return {
    Header: reportHeader('TrialBalance', params, accounts.length === 0),
    Columns: {
      Column: [
        { ColTitle: '', ColType: 'Account', MetaData: [{ Name: 'ColKey', Value: 'account' }] },
        money('Debit'),
        money('Credit'),
      ],
    },
    Rows: { Row: rows },
  };
}
