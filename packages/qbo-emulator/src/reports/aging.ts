/**
 * AgedReceivables and AgedPayables (summaries, accrual basis whatever is asked: aging is about
 * what is owed). Per customer (vendor): the A/R (A/P) balance as of `report_date`, spread over
 * age buckets by days past due, a transaction being due 30 days after its TxnDate. Payments and
 * credits settle the oldest amounts first, so the open balance is made of the most recent
 * increases (invoices, bills): they are taken newest first until the balance is covered; what is
 * left is 91 and over. A credit balance shows as Current. The TOTAL equals the A/R (A/P) balance
 * of the balance sheet on that date.
 */
import type { LedgerEntry, LedgerView } from '../ledger/realm-ledger.js';
import { monthOfTxnDay } from '../ledger/realm-ledger.js';
import type { ReportParams } from './report-params.js';
import { reportHeader } from './report-header.js';
import { cell, dataRow, formatCents, section, type Report, type Row } from './report-shape.js';

export interface AgingSpec {
  readonly name: 'AgedReceivables' | 'AgedPayables';
  readonly accountType: 'Accounts Receivable' | 'Accounts Payable';
  readonly party: 'Customer' | 'Vendor';
  /** Transactions that post to the account. */
  readonly kinds: readonly string[];
}

export const AGING_SPECS: readonly AgingSpec[] = [
  {
    name: 'AgedReceivables',
    accountType: 'Accounts Receivable',
    party: 'Customer',
    kinds: ['Invoice', 'CreditMemo', 'Payment', 'JournalEntry'],
  },
  {
    name: 'AgedPayables',
    accountType: 'Accounts Payable',
    party: 'Vendor',
    kinds: ['Bill', 'VendorCredit', 'BillPayment', 'JournalEntry'],
  },
];

const BUCKETS = [
  ['Current', 'current'],
  ['1 - 30', '0'],
  ['31 - 60', '1'],
  ['61 - 90', '2'],
  ['91 and over', '3'],
] as const;

/** Days covered by the buckets before "91 and over": 30 days to be due, then 90 past due. */
export const AGING_WINDOW = 120;

function bucketOf(daysPastDue: number): number {
  if (daysPastDue <= 0) return 0;
  return Math.min(4, 1 + Math.floor((daysPastDue - 1) / 30));
}

export interface AgingInput {
  readonly spec: AgingSpec;
  readonly view: LedgerView;
  /** The spec's transactions with TxnDate in [report day - AGING_WINDOW, report day]. */
  readonly entries: readonly LedgerEntry[];
  readonly params: ReportParams;
  readonly partyName: (qboName: 'Customer' | 'Vendor', id: string) => string;
}

export function aging(input: AgingInput): Report {
  const { spec, view, entries, params } = input;
  const day = params.reportDay;
  const prefix = spec.party === 'Customer' ? 'C' : 'V';
  const sign = spec.accountType === 'Accounts Receivable' ? 1 : -1;
  const isAccount = (id: string) => view.lookup.accounts.get(id)?.type === spec.accountType;
  const month = monthOfTxnDay(day);
  const balances = new Map<string, number>();
  for (const [key, net] of view.partiesBefore(month))
    if (key.startsWith(prefix)) balances.set(key.slice(1), sign * net);
  // Increases, newest first, per party; and this month's movements up to the report date.
  const increases = new Map<string, { day: number; cents: number }[]>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as LedgerEntry;
    if (e.txnDay > day) continue;
    for (const p of e.postings) {
      const party = spec.party === 'Customer' ? p.customerId : p.vendorId;
      if (party === null || !isAccount(p.accountId)) continue;
      const cents = sign * (p.debitCents - p.creditCents);
      if (monthOfTxnDay(e.txnDay) === month) balances.set(party, (balances.get(party) ?? 0) + cents);
      if (cents > 0) {
        const list = increases.get(party) ?? [];
        list.push({ day: e.txnDay, cents });
        increases.set(party, list);
      }
    }
  }
  const parties = [...balances.entries()]
    .filter(([, b]) => b !== 0)
    .map(([id, balance]) => ({ id, balance, name: input.partyName(spec.party, id) }))
    .sort((a, b) => a.name.localeCompare(b.name) || Number(a.id) - Number(b.id));
  const totals = new Array<number>(BUCKETS.length + 1).fill(0);
  const rows: Row[] = parties.map(({ id, balance, name }) => {
    const buckets = new Array<number>(BUCKETS.length).fill(0);
    let left = balance;
    if (left < 0) buckets[0] = left;
    for (const inc of increases.get(id) ?? []) {
      if (left <= 0) break;
      const take = Math.min(left, inc.cents);
      const b = bucketOf(day - inc.day - 30);
      buckets[b] = (buckets[b] as number) + take;
      left -= take;
    }
    if (left > 0) buckets[4] = (buckets[4] as number) + left;
    const values = [...buckets, balance];
    values.forEach((v, i) => (totals[i] = (totals[i] as number) + v));
    return dataRow([cell(name, id), ...values.map((v) => cell(v === 0 ? '' : formatCents(v)))]);
  });
  rows.push(
    section('GrandTotal', undefined, undefined, [cell('TOTAL'), ...totals.map((v) => cell(formatCents(v)))]),
  );
  const meta = (key: string) => [{ Name: 'ColKey', Value: key }];
  return {
    Header: reportHeader(
      spec.name,
      { ...params, start: params.reportDate, end: params.reportDate, basis: 'Accrual' },
      parties.length === 0,
    ),
    Columns: {
      Column: [
        { ColTitle: '', ColType: spec.party, MetaData: meta(spec.party.toLowerCase()) },
        ...BUCKETS.map(([title, key]) => ({ ColTitle: title, ColType: 'Money', MetaData: meta(key) })),
        { ColTitle: 'Total', ColType: 'Money', MetaData: meta('total') },
      ],
    },
    Rows: { Row: rows },
  };
}
