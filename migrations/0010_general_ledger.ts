import { sql, type Kysely } from 'kysely';

/**
 * `staging.general_ledger`: one row per posting (`debit`, `credit` in dollars, one of them zero),
 * every transaction balanced; deleted records post nothing. The rules, per transaction type, are
 * the table in docs/staging.md; they are the emulator's, whose TrialBalance `qbo-backfill
 * reconcile` checks this ledger against. Accrual basis only.
 *
 * Two views, one source of truth:
 * - `staging.ledger_rules`: the rules over the views of 0009, a posting per leg. An account the
 *   payload does not name is left as a role (`ar`, `item_income`, ...), since it depends on other
 *   records (the chart of accounts, the item) that a backfill may store later.
 * - `staging.general_ledger`: those postings with every role resolved to its account.
 *
 * Views, not a table kept by triggers on raw: a table read a million invoices' ledger in 0.4 s
 * against 25-31 s for the view, but deriving each page's postings inside its upsert cost about
 * 3.5 ms a statement and 0.23 ms an invoice of PostgreSQL CPU, more than the upsert itself, on
 * every backfill and sync whether anyone reads the ledger or not; one realm's budget fell from
 * 0.95 to 0.83 of QBO's limit on two cores. docs/staging.md shows how to materialize it where
 * reads matter more (`CREATE MATERIALIZED VIEW ... AS TABLE staging.general_ledger`).
 *
 * A posting is built with a sign (+1 debit, -1 credit) and an amount in whole cents; a negative
 * amount posts on the other side; a posting of zero cents is dropped.
 */

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

/**
 * Where a posting's account comes from: an account the payload names (`sql`), else its role's,
 * resolved as the ledger is read (`ar`, `ap`, `sales_tax`: the lowest-Id account of that kind, as
 * QBO's defaults; `item_income`, `item_expense`: the line's item's account, else the lowest-Id
 * income or cost of goods sold account).
 */
interface Account {
  readonly sql: string;
  readonly role?: 'ar' | 'ap' | 'sales_tax' | 'item_income' | 'item_expense';
}

const named = (sql: string): Account => ({ sql });
const role = (r: NonNullable<Account['role']>, sql = 'NULL'): Account => ({ sql, role: r });
const roleSql = (a: Account) => (a.role ? `'${a.role}'` : 'NULL');

/** A posting of the transaction's own fields: line id (the leg's name), account, sign, amount. */
function headerLeg(t: Txn, lineId: string, account: Account, sign: string, amount: string): string {
  return `SELECT t.realm_id, '${t.type}', t.id, t.txn_date, '${lineId}', ${account.sql}, ${roleSql(account)},
      NULL, ${sign}, ${amount}, ${t.customer}, ${t.vendor}, NULL, t.department_id
    FROM staging.${t.view} t`;
}

/**
 * A posting per line of the given DetailType. Line id: `Id`, else its 0-based place. Wherever
 * lines post, a `DiscountLineDetail` line posts on the total's side (a discount reduces income) to
 * the account it names.
 */
function lineLeg(t: Txn, detailType: string, account: Account, sign: string): string {
  return `SELECT t.realm_id, '${t.type}', t.id, t.txn_date, COALESCE(l.line_id, (l.line_num - 1)::text),
      ${account.sql}, ${roleSql(account)}, ${account.role?.startsWith('item') ? 'l.item_id' : 'NULL'}, ${sign},
      l.amount, COALESCE(l.customer_id, ${t.customer}), COALESCE(l.vendor_id, ${t.vendor}), l.class_id,
      t.department_id
    FROM staging.${t.view} t
    JOIN staging.${t.singular}_lines l ON l.realm_id = t.realm_id AND l.${t.singular}_id = t.id
    WHERE l.detail_type = '${detailType}'`;
}

/** Sales forms: the total on one side (A/R or the deposit account), item lines and tax on the other. */
function salesForm(t: Txn, sign: 1 | -1, total: Account): string[] {
  return [
    headerLeg(t, 'total', total, `${sign}`, 't.total_amt'),
    lineLeg(t, 'SalesItemLineDetail', role('item_income'), `${-sign}`),
    lineLeg(t, 'DiscountLineDetail', named('l.account_id'), `${sign}`),
    headerLeg(t, 'tax', role('sales_tax'), `${-sign}`, 't.total_tax'),
  ];
}

/** Expense forms: the total on A/P or the paying account, the expense lines on the other side. */
function expenseForm(t: Txn, sign: string, total: Account): string[] {
  return [
    headerLeg(t, 'total', total, sign, 't.total_amt'),
    lineLeg(t, 'AccountBasedExpenseLineDetail', named('l.account_id'), `-(${sign})`),
    lineLeg(t, 'ItemBasedExpenseLineDetail', role('item_expense'), `-(${sign})`),
    lineLeg(t, 'DiscountLineDetail', named('l.account_id'), sign),
  ];
}

/** From one account to another: the same amount debited (`total`) and credited (`counter`). */
function pair(t: Txn, amount: string, debit: Account, credit: Account): string[] {
  return [headerLeg(t, 'total', debit, '1', amount), headerLeg(t, 'counter', credit, '-1', amount)];
}

const CUSTOMER = 't.customer_id';
const AR = role('ar', 't.ar_account_id');
const AP = role('ap', 't.ap_account_id');
const DEPOSIT_TO = named('t.deposit_to_account_id');
const payee = (type: string) => `CASE WHEN lower(t.entity_type) = '${type}' THEN t.entity_id END`;
const deposit = txn('Deposit', 'deposits', 'deposit');

const LEGS: readonly string[] = [
  ...salesForm(txn('Invoice', 'invoices', 'invoice', CUSTOMER), 1, AR),
  ...salesForm(txn('SalesReceipt', 'sales_receipts', 'sales_receipt', CUSTOMER), 1, DEPOSIT_TO),
  ...salesForm(txn('CreditMemo', 'credit_memos', 'credit_memo', CUSTOMER), -1, role('ar')),
  ...salesForm(txn('RefundReceipt', 'refund_receipts', 'refund_receipt', CUSTOMER), -1, DEPOSIT_TO),
  // The payment's whole total, unapplied amount included, leaves A/R.
  ...pair(txn('Payment', 'payments', 'payment', CUSTOMER), 't.total_amt', DEPOSIT_TO, AR),
  headerLeg(deposit, 'total', DEPOSIT_TO, '1', 't.total_amt'),
  lineLeg(deposit, 'DepositLineDetail', named('l.account_id'), '-1'),
  lineLeg(deposit, 'DiscountLineDetail', named('l.account_id'), '1'),
  ...expenseForm(txn('Bill', 'bills', 'bill', 'NULL', 't.vendor_id'), '-1', AP),
  ...expenseForm(txn('VendorCredit', 'vendor_credits', 'vendor_credit', 'NULL', 't.vendor_id'), '1', AP),
  // A purchase names its payee in EntityRef; with Credit true it is a refund: every side reversed.
  ...expenseForm(
    txn('Purchase', 'purchases', 'purchase', payee('customer'), payee('vendor')),
    'CASE WHEN t.credit THEN 1 ELSE -1 END',
    named('t.account_id'),
  ),
  ...pair(
    txn('BillPayment', 'bill_payments', 'bill_payment', 'NULL', 't.vendor_id'),
    't.total_amt',
    AP,
    named('COALESCE(t.bank_account_id, t.cc_account_id)'),
  ),
  ...pair(
    txn('Transfer', 'transfers', 'transfer'),
    't.amount',
    named('t.to_account_id'),
    named('t.from_account_id'),
  ),
  ...pair(
    txn('CreditCardPayment', 'credit_card_payments', 'credit_card_payment', 'NULL', 't.vendor_id'),
    't.amount',
    named('t.credit_card_account_id'),
    named('t.bank_account_id'),
  ),
  lineLeg(
    txn('JournalEntry', 'journal_entries', 'journal_entry'),
    'JournalEntryLineDetail',
    named('l.account_id'),
    "CASE WHEN l.posting_type = 'Credit' THEN -1 ELSE 1 END",
  ),
];

/** The rules over the given legs: a posting per leg, signed, in whole cents, none of zero. */
const rulesOver = (legs: readonly string[]) => `
  WITH legs (realm_id, txn_type, txn_id, txn_date, line_id, account_id, account_role, item_id, sign, amount,
    customer_id, vendor_id, class_id, department_id) AS (
  ${legs.join('\nUNION ALL ')}),
  signed AS (SELECT *, sign * round(amount * 100) / 100 AS signed_amount FROM legs)
  SELECT realm_id, txn_type, txn_id, txn_date, line_id, account_id, account_role::text, item_id::text,
    greatest(signed_amount, 0) AS debit, greatest(-signed_amount, 0) AS credit,
    customer_id, vendor_id, class_id::text, department_id
  FROM signed WHERE signed_amount <> 0`;

const LEDGER_RULES = `CREATE VIEW staging.ledger_rules AS ${rulesOver(LEGS)}`;

const RULE_ACCOUNTS = `SELECT realm_id,
    (min(id::numeric) FILTER (WHERE account_type = 'Accounts Receivable'))::text AS ar,
    (min(id::numeric) FILTER (WHERE account_type = 'Accounts Payable'))::text AS ap,
    (min(id::numeric) FILTER (WHERE account_sub_type = 'SalesTaxPayable'))::text AS sales_tax,
    (min(id::numeric) FILTER (WHERE account_type = 'Income'))::text AS income,
    (min(id::numeric) FILTER (WHERE account_type = 'Cost of Goods Sold'))::text AS cogs
  FROM staging.accounts GROUP BY realm_id`;

const GENERAL_LEDGER = `CREATE VIEW staging.general_ledger AS
  SELECT e.realm_id, e.txn_type, e.txn_id, e.txn_date, e.line_id,
    COALESCE(e.account_id, CASE e.account_role
      WHEN 'ar' THEN a.ar WHEN 'ap' THEN a.ap WHEN 'sales_tax' THEN a.sales_tax
      WHEN 'item_income' THEN COALESCE(i.income_account_id, a.income)
      WHEN 'item_expense' THEN COALESCE(i.expense_account_id, a.cogs) END) AS account_id,
    e.debit, e.credit, e.customer_id, e.vendor_id, e.class_id, e.department_id
  FROM staging.ledger_rules e
  LEFT JOIN (${RULE_ACCOUNTS}) a ON a.realm_id = e.realm_id
  LEFT JOIN staging.items i ON i.realm_id = e.realm_id AND i.id = e.item_id`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(LEDGER_RULES).execute(db);
  await sql.raw(GENERAL_LEDGER).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS staging.general_ledger`.execute(db);
  await sql`DROP VIEW IF EXISTS staging.ledger_rules`.execute(db);
}
