/**
 * GeneralLedger: one section per account with activity in the range (QBO's order of account
 * types, then name), opening with its Beginning Balance (balance-sheet accounts: everything before
 * the range; income and expense accounts: the fiscal year before it), then one row per posting in
 * date order with a running balance, and a "Total for <account>" summary. Amounts are in the
 * account's natural sign (increases positive).
 */
import type { LedgerEntry, LedgerView } from '../ledger/realm-ledger.js';
import type { Posting } from '../ledger/postings.js';
import { dateOfDay, yearStartDay, type ReportParams } from './report-params.js';
import { reportHeader } from './report-header.js';
import {
  cell,
  dataRow,
  formatCents,
  labelled,
  section,
  type ColData,
  type Column,
  type Report,
  type Row,
} from './report-shape.js';
import { TYPE_ORDER } from './statements.js';

/** The columns GeneralLedger offers (`columns=`), by key: title and type. */
const GL_COLUMNS: Readonly<Record<string, readonly [string, string]>> = {
  tx_date: ['Date', 'Date'],
  txn_type: ['Transaction Type', 'String'],
  doc_num: ['Num', 'String'],
  name: ['Name', 'String'],
  memo: ['Memo/Description', 'String'],
  split_acc: ['Split', 'String'],
  account_name: ['Account', 'String'],
  debt_amt: ['Debit', 'Money'],
  credit_amt: ['Credit', 'Money'],
  subt_nat_amount: ['Amount', 'Money'],
  rbal_nat_amount: ['Balance', 'Money'],
};

export const GL_DEFAULT_COLUMNS = [
  'tx_date',
  'txn_type',
  'doc_num',
  'name',
  'memo',
  'split_acc',
  'subt_nat_amount',
  'rbal_nat_amount',
] as const;

/** How QBO names each transaction type in reports. */
const TYPE_LABELS: Readonly<Record<string, string>> = {
  Invoice: 'Invoice',
  SalesReceipt: 'Sales Receipt',
  CreditMemo: 'Credit Memo',
  RefundReceipt: 'Refund',
  Payment: 'Payment',
  Deposit: 'Deposit',
  Bill: 'Bill',
  VendorCredit: 'Vendor Credit',
  Transfer: 'Transfer',
  CreditCardPayment: 'Credit Card Payment',
  JournalEntry: 'Journal Entry',
};

function typeLabel(qboName: string, p: Readonly<Record<string, unknown>>): string {
  if (qboName === 'BillPayment')
    return p.PayType === 'Check' ? 'Bill Payment (Check)' : 'Bill Payment (Credit Card)';
  if (qboName === 'Purchase')
    return p.PaymentType === 'Check'
      ? 'Check'
      : p.PaymentType === 'CreditCard'
        ? 'Credit Card Expense'
        : 'Expense';
  return TYPE_LABELS[qboName] ?? qboName;
}

const DEBIT_NATURED: ReadonlySet<string> = new Set([
  ...TYPE_ORDER.slice(0, 5),
  'Cost of Goods Sold',
  'Expense',
  'Other Expense',
]);
const PROFIT_AND_LOSS: ReadonlySet<string> = new Set(TYPE_ORDER.slice(10));

export interface GeneralLedgerInput {
  readonly view: LedgerView;
  readonly entries: readonly LedgerEntry[];
  readonly params: ReportParams;
  /** Display name of a customer or vendor. */
  readonly partyName: (qboName: 'Customer' | 'Vendor', id: string) => string;
  /** Rows past this many cells are not built (the answer is cut anyway). */
  readonly cellLimit: number;
}

export function generalLedger(input: GeneralLedgerInput): Report {
  const { view, entries, params, partyName } = input;
  const { accounts } = view.lookup;
  const keys = (params.columns ?? []).filter((k) => k in GL_COLUMNS);
  const columnKeys = keys.length > 0 ? keys : [...GL_DEFAULT_COLUMNS];
  const width = columnKeys.length;
  const columns: Column[] = columnKeys.map((key) => {
    const [title, type] = GL_COLUMNS[key] as readonly [string, string];
    return { ColTitle: title, ColType: type, MetaData: [{ Name: 'ColKey', Value: key }] };
  });

  const byAccount = new Map<string, { entry: LedgerEntry; posting: Posting }[]>();
  for (const entry of entries) {
    for (const posting of entry.postings) {
      const list = byAccount.get(posting.accountId) ?? [];
      list.push({ entry, posting });
      byAccount.set(posting.accountId, list);
    }
  }
  const cumulative = view.sum(-1000, params.startDay - 1);
  const yearBefore = view.sum(yearStartDay(params.startDay), params.startDay - 1);
  const order = (id: string) =>
    TYPE_ORDER.indexOf((accounts.get(id)?.type ?? '') as (typeof TYPE_ORDER)[number]);
  const accountIds = [...byAccount.keys()].sort(
    (a, b) =>
      order(a) - order(b) ||
      (accounts.get(a)?.name ?? '').localeCompare(accounts.get(b)?.name ?? '') ||
      Number(a) - Number(b),
  );

  let cells = 0;
  const rows: Row[] = [];
  for (const id of accountIds) {
    if (cells > input.cellLimit) break;
    const account = accounts.get(id);
    const type = account?.type ?? '';
    const sign = DEBIT_NATURED.has(type) ? 1 : -1;
    const name = account?.name ?? id;
    let balance = sign * ((PROFIT_AND_LOSS.has(type) ? yearBefore : cumulative).get(id) ?? 0);
    const inner: Row[] = [];
    if (balance !== 0) {
      inner.push(
        dataRow(
          columnKeys.map((k, i) =>
            i === 0 ? cell('Beginning Balance') : cell(k === 'rbal_nat_amount' ? formatCents(balance) : ''),
          ),
        ),
      );
    }
    let total = 0;
    for (const { entry, posting } of byAccount.get(id) ?? []) {
      if ((cells += width) > input.cellLimit) break;
      const amount = sign * (posting.debitCents - posting.creditCents);
      total += amount;
      balance += amount;
      inner.push(
        dataRow(columnKeys.map((k) => glCell(k, entry, posting, amount, balance, name, view, partyName))),
      );
    }
    cells += 2 * width;
    const summary = columnKeys.map((k, i) =>
      cell(i === 0 ? `Total for ${name}` : k === 'subt_nat_amount' ? formatCents(total) : ''),
    );
    rows.push(section(undefined, labelled(name, width, id), inner, summary));
  }
  return {
    Header: reportHeader('GeneralLedger', params, entries.length === 0),
    Columns: { Column: columns },
    Rows: { Row: rows },
  };
}

function other(entry: LedgerEntry, posting: Posting, view: LedgerView): ColData {
  const others = new Set(entry.postings.map((p) => p.accountId).filter((a) => a !== posting.accountId));
  if (others.size !== 1) return cell('-Split-');
  const [id] = others as unknown as [string];
  return cell(view.lookup.accounts.get(id)?.name ?? id, id);
}

function memo(payload: Readonly<Record<string, unknown>>, posting: Posting): string {
  const line = Array.isArray(payload.Line)
    ? (payload.Line as Record<string, unknown>[]).find((l) => l.Id === posting.lineId)
    : undefined;
  const text = line?.Description ?? payload.PrivateNote ?? payload.Memo;
  return typeof text === 'string' ? text : '';
}

function glCell(
  key: string,
  entry: LedgerEntry,
  posting: Posting,
  amount: number,
  balance: number,
  accountName: string,
  view: LedgerView,
  partyName: GeneralLedgerInput['partyName'],
): ColData {
  const p = entry.payload;
  switch (key) {
    case 'tx_date':
      return cell(dateOfDay(entry.txnDay));
    case 'txn_type':
      return cell(typeLabel(entry.kind.qboName, p), String(p.Id));
    case 'doc_num':
      return cell(typeof p.DocNumber === 'string' ? p.DocNumber : '');
    case 'name':
      if (posting.customerId !== null)
        return cell(partyName('Customer', posting.customerId), posting.customerId);
      if (posting.vendorId !== null) return cell(partyName('Vendor', posting.vendorId), posting.vendorId);
      return cell('');
    case 'memo':
      return cell(memo(entry.payload, posting));
    case 'split_acc':
      return other(entry, posting, view);
    case 'account_name':
      return cell(accountName, posting.accountId);
    case 'debt_amt':
      return cell(posting.debitCents ? formatCents(posting.debitCents) : '');
    case 'credit_amt':
      return cell(posting.creditCents ? formatCents(posting.creditCents) : '');
    case 'subt_nat_amount':
      return cell(formatCents(amount));
    case 'rbal_nat_amount':
      return cell(formatCents(balance));
    default:
      return cell('');
  }
}
