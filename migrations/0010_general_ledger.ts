import { sql, type Kysely } from 'kysely';

/**
 * `staging.general_ledger`: one row per posting (`debit`, `credit` in dollars, one of them zero),
 * every transaction balanced, over the views of 0009, so deleted records post nothing. The rules,
 * per transaction type, are the table in docs/staging.md; they are the emulator's, whose
 * TrialBalance `qbo-backfill reconcile` checks this ledger against. Accrual basis only.
 */
/**
 * `staging.general_ledger`: the posting rules (docs/staging.md has the table), over the views above.
 * A sign is the side: +1 debit, -1 credit. Accounts a payload does not name are the lowest-Id
 * account of a type (`rule_accounts`), as QBO's default A/R, A/P and sales tax accounts are.
 */
const RULE_ACCOUNTS = `rule_accounts AS (
  SELECT realm_id,
    (min(id::numeric) FILTER (WHERE account_type = 'Accounts Receivable'))::text AS ar,
    (min(id::numeric) FILTER (WHERE account_type = 'Accounts Payable'))::text AS ap,
    (min(id::numeric) FILTER (WHERE account_sub_type = 'SalesTaxPayable'))::text AS sales_tax,
    (min(id::numeric) FILTER (WHERE account_type = 'Income'))::text AS income,
    (min(id::numeric) FILTER (WHERE account_type = 'Cost of Goods Sold'))::text AS cogs
  FROM staging.accounts GROUP BY realm_id)`;

/** The columns of a posting after its type, id and date: line_id, account, sign, amount, dimensions. */
type Leg = readonly [lineId: string, account: string, sign: string, amount: string, dims: string];

/** One SELECT of postings from a transaction view `t` (with `a` its realm's rule accounts). */
function headerLegs(txnType: string, view: string, legs: readonly Leg[]): string {
  return legs
    .map(
      ([lineId, account, sign, amount, dims]) => `SELECT t.realm_id, '${txnType}' AS txn_type, t.id AS txn_id,
      t.txn_date, ${lineId} AS line_id, ${account} AS account_id, ${sign} AS sign, ${amount} AS amount, ${dims}
      FROM staging.${view} t LEFT JOIN rule_accounts a USING (realm_id)`,
    )
    .join('\nUNION ALL ');
}

/** Postings of a transaction's lines: `l` the line, `t` its transaction, `i` the line's item. */
function lineLegs(
  txnType: string,
  singular: string,
  view: string,
  where: string,
  account: string,
  sign: string,
  dims: string,
): string {
  return `SELECT t.realm_id, '${txnType}', t.id, t.txn_date, COALESCE(l.line_id, (l.line_num - 1)::text),
      ${account}, ${sign}, l.amount, ${dims}
    FROM staging.${singular}_lines l JOIN staging.${view} t ON t.realm_id = l.realm_id AND t.id = l.${singular}_id
    LEFT JOIN rule_accounts a ON a.realm_id = t.realm_id
    LEFT JOIN staging.items i ON i.realm_id = l.realm_id AND i.id = l.item_id
    WHERE ${where}`;
}

const CUSTOMER_DIMS = 't.customer_id, NULL::text, NULL::text, t.department_id';
const LINE_CUSTOMER_DIMS = 'COALESCE(l.customer_id, t.customer_id), NULL, l.class_id, t.department_id';

/** Sales forms: the total on one side (A/R or the deposit account), items and tax on the other. */
function salesForm(
  txnType: string,
  singular: string,
  view: string,
  sign: 1 | -1,
  totalAccount: string,
): string {
  return [
    headerLegs(txnType, view, [
      ["'total'", totalAccount, `${sign}`, 't.total_amt', CUSTOMER_DIMS],
      ["'tax'", 'a.sales_tax', `${-sign}`, 't.total_tax', CUSTOMER_DIMS],
    ]),
    lineLegs(
      txnType,
      singular,
      view,
      "l.detail_type = 'SalesItemLineDetail'",
      'COALESCE(i.income_account_id, a.income)',
      `${-sign}`,
      LINE_CUSTOMER_DIMS,
    ),
    // A discount reduces income: the total's side, to the discount account the line names.
    lineLegs(
      txnType,
      singular,
      view,
      "l.detail_type = 'DiscountLineDetail'",
      'l.account_id',
      `${sign}`,
      LINE_CUSTOMER_DIMS,
    ),
  ].join('\nUNION ALL ');
}

/** Expense forms: the total on A/P or the paying account, the expense lines on the other side. */
function expenseForm(
  txnType: string,
  singular: string,
  view: string,
  sign: string,
  totalAccount: string,
  vendor: string,
): string {
  const dims = `COALESCE(l.customer_id, NULL), ${vendor}, l.class_id, t.department_id`;
  return [
    headerLegs(txnType, view, [
      ["'total'", totalAccount, sign, 't.total_amt', `NULL, ${vendor}, NULL, t.department_id`],
    ]),
    lineLegs(
      txnType,
      singular,
      view,
      "l.detail_type = 'AccountBasedExpenseLineDetail'",
      'l.account_id',
      `-(${sign})`,
      dims,
    ),
    lineLegs(
      txnType,
      singular,
      view,
      "l.detail_type = 'ItemBasedExpenseLineDetail'",
      'COALESCE(i.expense_account_id, a.cogs)',
      `-(${sign})`,
      dims,
    ),
  ].join('\nUNION ALL ');
}

/** A transaction from one account to another: debit and credit of the same amount. */
function pair(
  txnType: string,
  view: string,
  amount: string,
  debit: string,
  credit: string,
  dims: string,
): string {
  return headerLegs(txnType, view, [
    ["'total'", debit, '1', amount, dims],
    ["'counter'", credit, '-1', amount, dims],
  ]);
}

const POSTINGS = [
  salesForm('Invoice', 'invoice', 'invoices', 1, 'COALESCE(t.ar_account_id, a.ar)'),
  salesForm('SalesReceipt', 'sales_receipt', 'sales_receipts', 1, 't.deposit_to_account_id'),
  salesForm('CreditMemo', 'credit_memo', 'credit_memos', -1, 'a.ar'),
  salesForm('RefundReceipt', 'refund_receipt', 'refund_receipts', -1, 't.deposit_to_account_id'),
  pair(
    'Payment',
    'payments',
    't.total_amt',
    't.deposit_to_account_id',
    'COALESCE(t.ar_account_id, a.ar)',
    CUSTOMER_DIMS,
  ),
  headerLegs('Deposit', 'deposits', [
    ["'total'", 't.deposit_to_account_id', '1', 't.total_amt', 'NULL, NULL, NULL, t.department_id'],
  ]),
  lineLegs(
    'Deposit',
    'deposit',
    'deposits',
    "l.detail_type = 'DepositLineDetail'",
    'l.account_id',
    '-1',
    'l.customer_id, NULL, l.class_id, t.department_id',
  ),
  expenseForm('Bill', 'bill', 'bills', '-1', 'COALESCE(t.ap_account_id, a.ap)', 't.vendor_id'),
  expenseForm(
    'VendorCredit',
    'vendor_credit',
    'vendor_credits',
    '1',
    'COALESCE(t.ap_account_id, a.ap)',
    't.vendor_id',
  ),
  // A purchase with Credit true is a refund: every side reversed.
  expenseForm(
    'Purchase',
    'purchase',
    'purchases',
    'CASE WHEN t.credit THEN 1 ELSE -1 END',
    't.account_id',
    "CASE WHEN t.entity_type = 'Vendor' THEN t.entity_id END",
  ),
  pair(
    'BillPayment',
    'bill_payments',
    't.total_amt',
    'COALESCE(t.ap_account_id, a.ap)',
    'COALESCE(t.bank_account_id, t.cc_account_id)',
    'NULL, t.vendor_id, NULL, t.department_id',
  ),
  pair(
    'Transfer',
    'transfers',
    't.amount',
    't.to_account_id',
    't.from_account_id',
    'NULL, NULL, NULL, t.department_id',
  ),
  pair(
    'CreditCardPayment',
    'credit_card_payments',
    't.amount',
    't.credit_card_account_id',
    't.bank_account_id',
    'NULL, t.vendor_id, NULL, t.department_id',
  ),
  lineLegs(
    'JournalEntry',
    'journal_entry',
    'journal_entries',
    "l.detail_type = 'JournalEntryLineDetail'",
    'l.account_id',
    "CASE l.posting_type WHEN 'Debit' THEN 1 ELSE -1 END",
    'l.customer_id, NULL, l.class_id, t.department_id',
  ),
];

/** Amounts in dollars, posted in whole cents; a posting of zero cents is dropped. */
const GENERAL_LEDGER = `CREATE VIEW staging.general_ledger AS
  WITH ${RULE_ACCOUNTS},
  postings (realm_id, txn_type, txn_id, txn_date, line_id, account_id, sign, amount,
    customer_id, vendor_id, class_id, department_id) AS (
  ${POSTINGS.join('\nUNION ALL ')})
  SELECT realm_id, txn_type, txn_id, txn_date, line_id, account_id,
    CASE WHEN sign > 0 THEN round(amount * 100) / 100 ELSE 0 END AS debit,
    CASE WHEN sign < 0 THEN round(amount * 100) / 100 ELSE 0 END AS credit,
    customer_id, vendor_id, class_id, department_id
  FROM postings WHERE round(amount * 100) <> 0`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(GENERAL_LEDGER).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS staging.general_ledger`.execute(db);
}
