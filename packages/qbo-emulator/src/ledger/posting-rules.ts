/**
 * How each QBO transaction posts to the general ledger: a rule table, read by one generic
 * function (postings.ts). This comment is the specification; a warehouse re-implements the same
 * rules over the raw JSON payloads and gets the same trial balance to the cent.
 *
 * What a rule may read: the transaction's own payload, the payloads of the records it references
 * (an Item's `IncomeAccountRef`/`ExpenseAccountRef`), and the Account list (every Account record,
 * active or not), searched by `AccountType` or `AccountSubType`, taking the LOWEST numeric `Id`:
 *   - A/R            = lowest Id with AccountType 'Accounts Receivable'
 *   - A/P            = lowest Id with AccountType 'Accounts Payable' (only when a payload has no APAccountRef)
 *   - Sales tax      = lowest Id with AccountSubType 'SalesTaxPayable'
 *   - Income         = lowest Id with AccountType 'Income' (fallback for an item without IncomeAccountRef)
 *   - COGS           = lowest Id with AccountType 'Cost of Goods Sold' (fallback for an item without ExpenseAccountRef)
 *   - Expense        = lowest Id with AccountType 'Expense' (cash basis only, see below)
 *
 * Amounts are JSON numbers in dollars; cents = round(amount * 100). Deleted transactions post
 * nothing. A posting of zero cents is dropped; a negative amount posts its absolute value on the
 * other side. Every posting has one side: debit or credit.
 *
 * The legs of a rule (a transaction posts every leg, in this order):
 *   - `total`: one posting of the payload's total (`TotalAmt`, or `Amount` for Transfer and
 *     CreditCardPayment) to one account, lineId = the leg's name ('total', 'counter').
 *   - `lines`: one posting per element of `Line[]` whose `DetailType` the leg lists, of that line's
 *     `Amount`, to the account the leg names for that DetailType, on the side opposite the `total`
 *     leg's; EXCEPT `DiscountLineDetail` lines, which post on the same side as the total (a discount
 *     reduces income) to `DiscountLineDetail.DiscountAccountRef`. `SubTotalLineDetail` and lines of
 *     unlisted types post nothing. lineId = the line's `Id`, or its 0-based position in `Line[]`
 *     when it has none.
 *   - `tax`: `TxnTaxDetail.TotalTax`, to the sales tax account, opposite the total, lineId 'tax'.
 *     (Sales forms are generated with ApplyTaxAfterDiscount false and tax on the subtotal:
 *     TotalAmt = sum(item lines) - sum(discount lines) + TotalTax.)
 *   - `journal`: JournalEntry lines: `JournalEntryLineDetail.PostingType` ('Debit'/'Credit') decides
 *     the side, `JournalEntryLineDetail.AccountRef` the account.
 *
 * Per type (accrual basis), with the JSON path of each account:
 *   Invoice        Dr A/R TotalAmt; Cr Item(SalesItemLineDetail.ItemRef).IncomeAccountRef per line; Cr sales tax
 *   SalesReceipt   Dr DepositToAccountRef TotalAmt; Cr item income per line; Cr sales tax
 *   CreditMemo     Cr A/R TotalAmt; Dr item income per line; Dr sales tax
 *   RefundReceipt  Cr DepositToAccountRef TotalAmt; Dr item income per line; Dr sales tax
 *   Payment        Dr DepositToAccountRef TotalAmt (unapplied amount included); Cr A/R TotalAmt
 *   Deposit        Dr DepositToAccountRef TotalAmt; Cr DepositLineDetail.AccountRef per line
 *   Bill           Cr APAccountRef TotalAmt; Dr AccountBasedExpenseLineDetail.AccountRef or
 *                  Item(ItemBasedExpenseLineDetail.ItemRef).ExpenseAccountRef per line
 *   VendorCredit   Dr APAccountRef TotalAmt; Cr expense lines as Bill's
 *   Purchase       Cr AccountRef TotalAmt; Dr expense lines as Bill's (all sides reversed when
 *                  `Credit` is true: a refund)
 *   BillPayment    Dr APAccountRef TotalAmt; Cr CheckPayment.BankAccountRef, or when the payload has
 *                  none, CreditCardPayment.CCAccountRef
 *   Transfer       Dr ToAccountRef Amount; Cr FromAccountRef Amount
 *   CreditCardPayment Dr CreditCardAccountRef Amount; Cr BankAccountRef Amount
 *   JournalEntry   each line on its PostingType side
 * Estimate, PurchaseOrder, TimeActivity and Attachable post nothing. Inventory is not valued: an
 * item bought posts to its ExpenseAccountRef, a sale relieves no inventory (no COGS entry).
 *
 * Cash basis (a simplification, documented in the README): Invoice, CreditMemo, Bill and
 * VendorCredit post nothing; a Payment credits the Income account instead of A/R and a BillPayment
 * debits the Expense account instead of A/P; every other type posts as on accrual. No balance ever
 * sits in A/R or A/P, and every transaction still balances.
 *
 * Dimensions on each posting: customerId = the line's `DepositLineDetail.Entity` /
 * `AccountBasedExpenseLineDetail.CustomerRef` / `JournalEntryLineDetail.Entity.EntityRef` when of a
 * customer, else the payload's `CustomerRef`; vendorId = the payload's `VendorRef` or `EntityRef` of
 * type Vendor; classId = the line detail's `ClassRef`; departmentId = the payload's `DepartmentRef`.
 */
import type { AccountType } from '../data/list-names.js';

/** Where a posting's account comes from. */
export type AccountSource =
  /** A reference in the payload, by dotted path (`CheckPayment.BankAccountRef`); its `value`. */
  | { readonly path: string }
  /** The lowest-Id Account of this AccountType. */
  | { readonly type: AccountType }
  /** The lowest-Id Account of this AccountSubType. */
  | { readonly subType: string }
  /** The referenced item's account (`ItemRef` at `path` in the line detail), else the fallback type. */
  | {
      readonly item: 'IncomeAccountRef' | 'ExpenseAccountRef';
      readonly ref: string;
      readonly fallback: AccountType;
    }
  /** The first of several sources that yields an account (BillPayment's check or card). */
  | { readonly firstOf: readonly AccountSource[] };

export type Side = 'debit' | 'credit';

export type Leg =
  | {
      readonly leg: 'total' | 'counter';
      readonly side: Side;
      readonly account: AccountSource;
      /** Cash basis: this account instead (A/R, A/P legs). */
      readonly cashAccount?: AccountSource;
    }
  | {
      readonly leg: 'lines';
      readonly side: Side;
      /** By Line DetailType: the account of that line. */
      readonly accounts: Readonly<Record<string, AccountSource>>;
    }
  | { readonly leg: 'tax'; readonly side: Side }
  | { readonly leg: 'journal' };

export interface PostingRule {
  readonly qboName: string;
  /** The payload field holding the total (TotalAmt, or Amount on Transfer/CreditCardPayment). */
  readonly total: 'TotalAmt' | 'Amount';
  readonly legs: readonly Leg[];
  /** A boolean payload field that reverses every side when true (Purchase.Credit: a refund). */
  readonly reverseWhen?: string;
  /** Cash basis: 'none' = posts nothing; 'same' = the legs (with their cashAccount). */
  readonly cash: 'none' | 'same';
}

const AR: AccountSource = { type: 'Accounts Receivable' };
const SALES_LINES = {
  SalesItemLineDetail: { item: 'IncomeAccountRef', ref: 'SalesItemLineDetail.ItemRef', fallback: 'Income' },
} as const satisfies Record<string, AccountSource>;
const EXPENSE_LINES = {
  AccountBasedExpenseLineDetail: { path: 'AccountBasedExpenseLineDetail.AccountRef' },
  ItemBasedExpenseLineDetail: {
    item: 'ExpenseAccountRef',
    ref: 'ItemBasedExpenseLineDetail.ItemRef',
    fallback: 'Cost of Goods Sold',
  },
} as const satisfies Record<string, AccountSource>;
const AP_REF: AccountSource = { path: 'APAccountRef' };

/** A sales form: the total on one account, item lines and tax on the other side. */
function salesRule(qboName: string, side: Side, account: AccountSource, cash: 'none' | 'same'): PostingRule {
  const other: Side = side === 'debit' ? 'credit' : 'debit';
  return {
    qboName,
    total: 'TotalAmt',
    cash,
    legs: [
      { leg: 'total', side, account },
      { leg: 'lines', side: other, accounts: SALES_LINES },
      { leg: 'tax', side: other },
    ],
  };
}

/** An expense form: the total on one account, expense lines on the other side. */
function expenseRule(
  qboName: string,
  side: Side,
  account: AccountSource,
  cash: 'none' | 'same',
): PostingRule {
  return {
    qboName,
    total: 'TotalAmt',
    cash,
    legs: [
      { leg: 'total', side, account },
      { leg: 'lines', side: side === 'debit' ? 'credit' : 'debit', accounts: EXPENSE_LINES },
    ],
  };
}

/** A transfer-like transaction: the total from one account to another. */
function pairRule(
  qboName: string,
  total: PostingRule['total'],
  debit: AccountSource,
  credit: AccountSource,
  cashDebit?: AccountSource,
): PostingRule {
  return {
    qboName,
    total,
    cash: 'same',
    legs: [
      { leg: 'total', side: 'debit', account: debit, ...(cashDebit ? { cashAccount: cashDebit } : {}) },
      { leg: 'counter', side: 'credit', account: credit },
    ],
  };
}

export const POSTING_RULES: readonly PostingRule[] = [
  salesRule('Invoice', 'debit', AR, 'none'),
  salesRule('SalesReceipt', 'debit', { path: 'DepositToAccountRef' }, 'same'),
  salesRule('CreditMemo', 'credit', AR, 'none'),
  salesRule('RefundReceipt', 'credit', { path: 'DepositToAccountRef' }, 'same'),
  {
    qboName: 'Payment',
    total: 'TotalAmt',
    cash: 'same',
    legs: [
      { leg: 'total', side: 'debit', account: { path: 'DepositToAccountRef' } },
      { leg: 'counter', side: 'credit', account: AR, cashAccount: { type: 'Income' } },
    ],
  },
  {
    qboName: 'Deposit',
    total: 'TotalAmt',
    cash: 'same',
    legs: [
      { leg: 'total', side: 'debit', account: { path: 'DepositToAccountRef' } },
      {
        leg: 'lines',
        side: 'credit',
        accounts: { DepositLineDetail: { path: 'DepositLineDetail.AccountRef' } },
      },
    ],
  },
  expenseRule('Bill', 'credit', AP_REF, 'none'),
  expenseRule('VendorCredit', 'debit', AP_REF, 'none'),
  { ...expenseRule('Purchase', 'credit', { path: 'AccountRef' }, 'same'), reverseWhen: 'Credit' },
  pairRule(
    'BillPayment',
    'TotalAmt',
    AP_REF,
    { firstOf: [{ path: 'CheckPayment.BankAccountRef' }, { path: 'CreditCardPayment.CCAccountRef' }] },
    { type: 'Expense' },
  ),
  pairRule('Transfer', 'Amount', { path: 'ToAccountRef' }, { path: 'FromAccountRef' }),
  pairRule('CreditCardPayment', 'Amount', { path: 'CreditCardAccountRef' }, { path: 'BankAccountRef' }),
  { qboName: 'JournalEntry', total: 'TotalAmt', cash: 'same', legs: [{ leg: 'journal' }] },
];

const byName = new Map(POSTING_RULES.map((r) => [r.qboName, r]));

/** The rule of a transaction type, or undefined when it does not post. */
export function postingRule(qboName: string): PostingRule | undefined {
  return byName.get(qboName);
}
