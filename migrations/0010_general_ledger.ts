import { sql, type Kysely } from 'kysely';

/**
 * `staging.general_ledger`: one row per posting (`debit`, `credit` in dollars, one of them zero),
 * every transaction balanced, over the views of 0009, so deleted records post nothing. The rules,
 * per transaction type, are the table in docs/staging.md; they are the emulator's, whose
 * TrialBalance `qbo-backfill reconcile` checks this ledger against. Accrual basis only.
 *
 * A posting is built with a sign (+1 debit, -1 credit) and an amount; a negative amount posts on
 * the other side. An account a payload does not name is the lowest-Id account of a type
 * (`rule_accounts`: QBO's default A/R, A/P, sales tax, income and cost of goods sold accounts); an
 * item line posts to its item's income (sales) or expense (purchases) account, else that default.
 */
const RULE_ACCOUNTS = `rule_accounts AS (
  SELECT realm_id,
    (min(id::numeric) FILTER (WHERE account_type = 'Accounts Receivable'))::text AS ar,
    (min(id::numeric) FILTER (WHERE account_type = 'Accounts Payable'))::text AS ap,
    (min(id::numeric) FILTER (WHERE account_sub_type = 'SalesTaxPayable'))::text AS sales_tax,
    (min(id::numeric) FILTER (WHERE account_type = 'Income'))::text AS income,
    (min(id::numeric) FILTER (WHERE account_type = 'Cost of Goods Sold'))::text AS cogs
  FROM staging.accounts GROUP BY realm_id)`;

/**
 * A transaction type: its view, the singular of its line view, and the customer and vendor its
 * payload names (a line's own party, when it has one, wins over these).
 */
interface Txn {
  readonly type: string;
  readonly view: string;
  readonly singular: string;
  readonly customer: string;
  readonly vendor: string;
}

const txn = (type: string, view: string, singular: string, customer = 'NULL', vendor = 'NULL'): Txn => ({
  type,
  view,
  singular,
  customer,
  vendor,
});

/** A posting of the transaction's own fields: line id (the leg's name), account, sign, amount. */
function headerLeg(t: Txn, lineId: string, account: string, sign: string, amount: string): string {
  return `SELECT t.realm_id, '${t.type}', t.id, t.txn_date, '${lineId}', ${account}, ${sign}, ${amount},
      ${t.customer}, ${t.vendor}, NULL, t.department_id
    FROM staging.${t.view} t LEFT JOIN rule_accounts a USING (realm_id)`;
}

/**
 * A posting per line of the given DetailType; `i` is the line's item. Line id: `Id`, else its
 * 0-based place. Wherever lines post, a `DiscountLineDetail` line posts on the total's side (a
 * discount reduces income) to the account it names.
 */
function lineLeg(t: Txn, detailType: string, account: string, sign: string): string {
  return `SELECT t.realm_id, '${t.type}', t.id, t.txn_date, COALESCE(l.line_id, (l.line_num - 1)::text),
      ${account}, ${sign}, l.amount, COALESCE(l.customer_id, ${t.customer}), COALESCE(l.vendor_id, ${t.vendor}),
      l.class_id, t.department_id
    FROM staging.${t.singular}_lines l
    JOIN staging.${t.view} t ON t.realm_id = l.realm_id AND t.id = l.${t.singular}_id
    LEFT JOIN rule_accounts a ON a.realm_id = t.realm_id
    LEFT JOIN staging.items i ON i.realm_id = l.realm_id AND i.id = l.item_id
    WHERE l.detail_type = '${detailType}'`;
}

/** Sales forms: the total on one side (A/R or the deposit account), item lines and tax on the other. */
function salesForm(t: Txn, sign: 1 | -1, totalAccount: string): string[] {
  return [
    headerLeg(t, 'total', totalAccount, `${sign}`, 't.total_amt'),
    lineLeg(t, 'SalesItemLineDetail', 'COALESCE(i.income_account_id, a.income)', `${-sign}`),
    lineLeg(t, 'DiscountLineDetail', 'l.account_id', `${sign}`),
    headerLeg(t, 'tax', 'a.sales_tax', `${-sign}`, 't.total_tax'),
  ];
}

/** Expense forms: the total on A/P or the paying account, the expense lines on the other side. */
function expenseForm(t: Txn, sign: string, totalAccount: string): string[] {
  return [
    headerLeg(t, 'total', totalAccount, sign, 't.total_amt'),
    lineLeg(t, 'AccountBasedExpenseLineDetail', 'l.account_id', `-(${sign})`),
    lineLeg(t, 'ItemBasedExpenseLineDetail', 'COALESCE(i.expense_account_id, a.cogs)', `-(${sign})`),
    lineLeg(t, 'DiscountLineDetail', 'l.account_id', sign),
  ];
}

/** From one account to another: the same amount debited (`total`) and credited (`counter`). */
function pair(t: Txn, amount: string, debit: string, credit: string): string[] {
  return [headerLeg(t, 'total', debit, '1', amount), headerLeg(t, 'counter', credit, '-1', amount)];
}

const CUSTOMER = 't.customer_id';
const AR = 'COALESCE(t.ar_account_id, a.ar)';
const AP = 'COALESCE(t.ap_account_id, a.ap)';
const payee = (type: string) => `CASE WHEN lower(t.entity_type) = '${type}' THEN t.entity_id END`;

const POSTINGS: readonly string[] = [
  ...salesForm(txn('Invoice', 'invoices', 'invoice', CUSTOMER), 1, AR),
  ...salesForm(
    txn('SalesReceipt', 'sales_receipts', 'sales_receipt', CUSTOMER),
    1,
    't.deposit_to_account_id',
  ),
  ...salesForm(txn('CreditMemo', 'credit_memos', 'credit_memo', CUSTOMER), -1, 'a.ar'),
  ...salesForm(
    txn('RefundReceipt', 'refund_receipts', 'refund_receipt', CUSTOMER),
    -1,
    't.deposit_to_account_id',
  ),
  // The payment's whole total, unapplied amount included, leaves A/R.
  ...pair(txn('Payment', 'payments', 'payment', CUSTOMER), 't.total_amt', 't.deposit_to_account_id', AR),
  headerLeg(txn('Deposit', 'deposits', 'deposit'), 'total', 't.deposit_to_account_id', '1', 't.total_amt'),
  lineLeg(txn('Deposit', 'deposits', 'deposit'), 'DepositLineDetail', 'l.account_id', '-1'),
  lineLeg(txn('Deposit', 'deposits', 'deposit'), 'DiscountLineDetail', 'l.account_id', '1'),
  ...expenseForm(txn('Bill', 'bills', 'bill', 'NULL', 't.vendor_id'), '-1', AP),
  ...expenseForm(txn('VendorCredit', 'vendor_credits', 'vendor_credit', 'NULL', 't.vendor_id'), '1', AP),
  // A purchase names its payee in EntityRef; with Credit true it is a refund: every side reversed.
  ...expenseForm(
    txn('Purchase', 'purchases', 'purchase', payee('customer'), payee('vendor')),
    'CASE WHEN t.credit THEN 1 ELSE -1 END',
    't.account_id',
  ),
  ...pair(
    txn('BillPayment', 'bill_payments', 'bill_payment', 'NULL', 't.vendor_id'),
    't.total_amt',
    AP,
    'COALESCE(t.bank_account_id, t.cc_account_id)',
  ),
  ...pair(txn('Transfer', 'transfers', 'transfer'), 't.amount', 't.to_account_id', 't.from_account_id'),
  ...pair(
    txn('CreditCardPayment', 'credit_card_payments', 'credit_card_payment', 'NULL', 't.vendor_id'),
    't.amount',
    't.credit_card_account_id',
    't.bank_account_id',
  ),
  lineLeg(
    txn('JournalEntry', 'journal_entries', 'journal_entry'),
    'JournalEntryLineDetail',
    'l.account_id',
    "CASE WHEN l.posting_type = 'Credit' THEN -1 ELSE 1 END",
  ),
];

/** Amounts in dollars, posted in whole cents; a posting of zero cents is dropped. */
const GENERAL_LEDGER = `CREATE VIEW staging.general_ledger AS
  WITH ${RULE_ACCOUNTS},
  postings (realm_id, txn_type, txn_id, txn_date, line_id, account_id, sign, amount,
    customer_id, vendor_id, class_id, department_id) AS (
  ${POSTINGS.join('\nUNION ALL ')}),
  signed AS (SELECT *, sign * round(amount * 100) / 100 AS signed_amount FROM postings)
  SELECT realm_id, txn_type, txn_id, txn_date, line_id, account_id,
    greatest(signed_amount, 0) AS debit, greatest(-signed_amount, 0) AS credit,
    customer_id, vendor_id, class_id::text, department_id
  FROM signed WHERE signed_amount <> 0`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(GENERAL_LEDGER).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS staging.general_ledger`.execute(db);
}
