import { sql, type Kysely } from 'kysely';

/**
 * Schema `staging`: typed relations over raw's payloads, so that SQL users stop writing JSONB
 * paths. Views, not tables: raw stays the one source of truth, and a view can never lag behind
 * the upsert that wrote raw (docs/staging.md says what they cost at a million invoices). Deleted
 * records (`deleted_at_utc` set) are in none of them.
 *
 * - `staging.<entity>` per raw table: `realm_id`, `id`, the entity's main fields typed (dates as
 *   `date`, amounts as `numeric`, a reference `XRef` as `x_id`), `source_last_updated_utc`.
 * - `staging.<singular>_lines` per transaction entity with a `Line` array: one row per element.
 * - `staging.general_ledger` (0010_general_ledger.ts): one row per posting.
 *
 * The lists are literals, as every migration's are: an entity added to the registry later needs a
 * migration of its own (test/foundation/migration-literals.test.ts checks them against it). Field
 * names are Intuit's.
 *

 * A column: `name type Path` (`customer_id ref CustomerRef`, `total_tax numeric TxnTaxDetail.TotalTax`).
 * Types: text, date, numeric, boolean, int, and ref (a reference: the text of its `value`).
 */
const DOC_AND_DATE = 'doc_number text DocNumber, txn_date date TxnDate';
/** Transactions that post carry QBO's location (`DepartmentRef`) as well. */
const DEPARTMENT = 'department_id ref DepartmentRef';
const CURRENCY_AND_NOTE = `currency_id ref CurrencyRef, private_note text PrivateNote, ${DEPARTMENT}`;
const SALES_FORM = `${DOC_AND_DATE}, customer_id ref CustomerRef, total_amt numeric TotalAmt,
  total_tax numeric TxnTaxDetail.TotalTax, ${CURRENCY_AND_NOTE}`;
const EXPENSE_FORM = `${DOC_AND_DATE}, vendor_id ref VendorRef, ap_account_id ref APAccountRef,
  total_amt numeric TotalAmt, ${CURRENCY_AND_NOTE}`;
const NAME_LIST = 'name text Name, fully_qualified_name text FullyQualifiedName, parent_id ref ParentRef';
const ACTIVE = 'active boolean Active';
const EMAIL_AND_PHONE =
  'primary_email text PrimaryEmailAddr.Address, primary_phone text PrimaryPhone.FreeFormNumber';

/**
 * Every raw table's relation and its main fields: `staging.accounts` reads `raw.qb_accounts`, and so
 * on (each view is named as its raw table without `qb_`).
 */
export const ENTITY_VIEWS: Readonly<Record<string, string>> = {
  accounts: `${NAME_LIST}, account_type text AccountType, account_sub_type text AccountSubType,
    classification text Classification, acct_num text AcctNum, sub_account boolean SubAccount,
    current_balance numeric CurrentBalance, currency_id ref CurrencyRef, ${ACTIVE}`,
  attachables: `file_name text FileName, content_type text ContentType, size int Size, note text Note,
    entity_type text AttachableRef.0.EntityRef.type, entity_id text AttachableRef.0.EntityRef.value`,
  bills: `${EXPENSE_FORM}, due_date date DueDate, sales_term_id ref SalesTermRef, balance numeric Balance`,
  bill_payments: `${EXPENSE_FORM}, pay_type text PayType, bank_account_id ref CheckPayment.BankAccountRef,
    cc_account_id ref CreditCardPayment.CCAccountRef`,
  budgets: `name text Name, start_date date StartDate, end_date date EndDate, budget_type text BudgetType,
    budget_entry_type text BudgetEntryType, ${ACTIVE}`,
  classes: `${NAME_LIST}, sub_class boolean SubClass, ${ACTIVE}`,
  company_info: `company_name text CompanyName, legal_name text LegalName, company_start_date date CompanyStartDate,
    fiscal_year_start_month text FiscalYearStartMonth, country text Country, email text Email.Address`,
  credit_card_payments: `txn_date date TxnDate, amount numeric Amount, bank_account_id ref BankAccountRef,
    credit_card_account_id ref CreditCardAccountRef, vendor_id ref VendorRef, memo text Memo, ${DEPARTMENT}`,
  credit_memos: `${SALES_FORM}, remaining_credit numeric RemainingCredit, balance numeric Balance`,
  customers: `display_name text DisplayName, company_name text CompanyName, given_name text GivenName,
    family_name text FamilyName, fully_qualified_name text FullyQualifiedName, ${EMAIL_AND_PHONE},
    balance numeric Balance, balance_with_jobs numeric BalanceWithJobs, taxable boolean Taxable, job boolean Job,
    is_project boolean IsProject, parent_id ref ParentRef, currency_id ref CurrencyRef, ${ACTIVE}`,
  departments: `${NAME_LIST}, sub_department boolean SubDepartment, ${ACTIVE}`,
  deposits: `txn_date date TxnDate, deposit_to_account_id ref DepositToAccountRef, total_amt numeric TotalAmt,
    ${CURRENCY_AND_NOTE}`,
  employees: `display_name text DisplayName, given_name text GivenName, family_name text FamilyName,
    employee_number text EmployeeNumber, hired_date date HiredDate, billable_time boolean BillableTime,
    bill_rate numeric BillRate, ${EMAIL_AND_PHONE}, ${ACTIVE}`,
  estimates: `${SALES_FORM}, expiration_date date ExpirationDate, txn_status text TxnStatus`,
  invoices: `${SALES_FORM}, due_date date DueDate, balance numeric Balance, ar_account_id ref ARAccountRef,
    sales_term_id ref SalesTermRef, print_status text PrintStatus, email_status text EmailStatus`,
  items: `${NAME_LIST}, type text Type, sku text Sku, description text Description, unit_price numeric UnitPrice,
    purchase_cost numeric PurchaseCost, taxable boolean Taxable, track_qty_on_hand boolean TrackQtyOnHand,
    qty_on_hand numeric QtyOnHand, income_account_id ref IncomeAccountRef,
    expense_account_id ref ExpenseAccountRef, asset_account_id ref AssetAccountRef, ${ACTIVE}`,
  journal_entries: `${DOC_AND_DATE}, total_amt numeric TotalAmt, adjustment boolean Adjustment, ${CURRENCY_AND_NOTE}`,
  payments: `txn_date date TxnDate, customer_id ref CustomerRef, deposit_to_account_id ref DepositToAccountRef,
    ar_account_id ref ARAccountRef, payment_method_id ref PaymentMethodRef, payment_ref_num text PaymentRefNum,
    total_amt numeric TotalAmt, unapplied_amt numeric UnappliedAmt, ${CURRENCY_AND_NOTE}`,
  payment_methods: `name text Name, type text Type, ${ACTIVE}`,
  preferences: `report_basis text ReportPrefs.ReportBasis, home_currency text CurrencyPrefs.HomeCurrency.value,
    multi_currency_enabled boolean CurrencyPrefs.MultiCurrencyEnabled,
    using_sales_tax boolean TaxPrefs.UsingSalesTax,
    track_departments boolean AccountingInfoPrefs.TrackDepartments,
    class_tracking_per_txn boolean AccountingInfoPrefs.ClassTrackingPerTxn,
    book_close_date date AccountingInfoPrefs.BookCloseDate`,
  purchases: `${DOC_AND_DATE}, payment_type text PaymentType, account_id ref AccountRef, entity_type text EntityRef.type,
    entity_id ref EntityRef, credit boolean Credit, total_amt numeric TotalAmt, ${CURRENCY_AND_NOTE}`,
  purchase_orders: `${EXPENSE_FORM}, due_date date DueDate, po_status text POStatus`,
  refund_receipts: `${SALES_FORM}, deposit_to_account_id ref DepositToAccountRef, payment_method_id ref PaymentMethodRef,
    balance numeric Balance`,
  sales_receipts: `${SALES_FORM}, deposit_to_account_id ref DepositToAccountRef, payment_method_id ref PaymentMethodRef,
    payment_ref_num text PaymentRefNum, balance numeric Balance`,
  tax_agencies: `display_name text DisplayName, tax_tracked_on_sales boolean TaxTrackedOnSales,
    tax_tracked_on_purchases boolean TaxTrackedOnPurchases, tax_registration_number text TaxRegistrationNumber,
    last_file_date date LastFileDate`,
  tax_codes: `name text Name, description text Description, taxable boolean Taxable, tax_group boolean TaxGroup,
    hidden boolean Hidden, ${ACTIVE}`,
  tax_rates: `name text Name, description text Description, rate_value numeric RateValue, agency_id ref AgencyRef,
    special_tax_type text SpecialTaxType, ${ACTIVE}`,
  terms: `name text Name, type text Type, due_days int DueDays, discount_percent numeric DiscountPercent,
    discount_days int DiscountDays, ${ACTIVE}`,
  time_activities: `txn_date date TxnDate, name_of text NameOf, employee_id ref EmployeeRef, vendor_id ref VendorRef,
    customer_id ref CustomerRef, item_id ref ItemRef, billable_status text BillableStatus,
    taxable boolean Taxable, hourly_rate numeric HourlyRate, hours int Hours, minutes int Minutes,
    description text Description`,
  transfers: `txn_date date TxnDate, from_account_id ref FromAccountRef, to_account_id ref ToAccountRef,
    amount numeric Amount, ${CURRENCY_AND_NOTE}`,
  vendors: `display_name text DisplayName, company_name text CompanyName, acct_num text AcctNum,
    balance numeric Balance, vendor_1099 boolean Vendor1099, term_id ref TermRef, ${EMAIL_AND_PHONE},
    currency_id ref CurrencyRef, ${ACTIVE}`,
  vendor_credits: `${EXPENSE_FORM}, balance numeric Balance`,
};

/**
 * Transaction entities whose payload has a `Line` array, by singular name: `staging.invoice_lines`
 * reads `raw.qb_invoices`, its records' id in `invoice_id`.
 */
export const LINE_VIEWS: Readonly<Record<string, string>> = {
  bill: 'qb_bills',
  bill_payment: 'qb_bill_payments',
  credit_memo: 'qb_credit_memos',
  deposit: 'qb_deposits',
  estimate: 'qb_estimates',
  invoice: 'qb_invoices',
  journal_entry: 'qb_journal_entries',
  payment: 'qb_payments',
  purchase: 'qb_purchases',
  purchase_order: 'qb_purchase_orders',
  refund_receipt: 'qb_refund_receipts',
  sales_receipt: 'qb_sales_receipts',
  vendor_credit: 'qb_vendor_credits',
};

/**
 * What text each cast accepts. Raw keeps a record exactly as QBO sent it, so a value that is not
 * of its type (a hand edit, a quirk) reads as null in its column: one such record must not make
 * every query over the view fail, nor the ledger that sums it.
 */
const CASTABLE: Readonly<Record<string, string>> = {
  numeric: '^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$',
  int: '^[[:space:]]*[-+]?[0-9]{1,9}[[:space:]]*$',
  date: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  boolean: '^(true|false)$',
};

/** `text` cast to `type`, or null where it is not of that type. */
function typed(text: string, type: string): string {
  const pattern = CASTABLE[type];
  if (!pattern) throw new Error(`no cast for ${type}`);
  return `CASE WHEN ${text} ~ '${pattern}' THEN (${text})::${type} END`;
}

/** `payload #>> '{A,B}'`, cast to the column's type (a ref reads its `value`). */
function columnSql(spec: string): string {
  const [name, type, path] = spec.trim().split(/\s+/) as [string, string, string];
  const keys = type === 'ref' ? `${path.replaceAll('.', ',')},value` : path.replaceAll('.', ',');
  const read = `payload #>> '{${keys}}'`;
  return type === 'text' || type === 'ref' ? `${read} AS ${name}` : `${typed(read, type)} AS ${name}`;
}

function entityView(view: string, table: string, columns: string): string {
  return `CREATE VIEW staging.${view} AS
    SELECT realm_id, id, ${columns.split(',').map(columnSql).join(', ')}, source_last_updated_utc
    FROM raw.${table} WHERE deleted_at_utc IS NULL`;
}

/**
 * One row per element of `Line`. The detail sits under the key the line's `DetailType` names
 * (`SalesItemLineDetail`, `JournalEntryLineDetail`, ...), so one expression reads every kind:
 * `d = line -> (line ->> 'DetailType')`. A line's party is the detail's `Entity` (deposits:
 * `{value, type: "CUSTOMER"}`; journal entries: `{Type: "Customer", EntityRef}`; untyped: a
 * customer), a customer or a vendor (other types name neither), and its `CustomerRef` (expense
 * lines), which wins for the customer.
 * `line_num` is the element's place in the array (QBO's own `LineNum` is absent from subtotal and
 * payment lines); `line_id` is QBO's `Id`, null on those.
 */
function lineView(singular: string, table: string): string {
  const postingType = singular === 'journal_entry' ? `d ->> 'PostingType' AS posting_type, ` : '';
  return `CREATE VIEW staging.${singular}_lines AS
    SELECT r.realm_id, r.id AS ${singular}_id, l.line ->> 'Id' AS line_id, l.n::int AS line_num,
      l.line ->> 'DetailType' AS detail_type, ${typed(`(l.line ->> 'Amount')`, 'numeric')} AS amount,
      l.line ->> 'Description' AS description, ${postingType}
      COALESCE(d #>> '{AccountRef,value}', d #>> '{DiscountAccountRef,value}') AS account_id,
      d #>> '{ItemRef,value}' AS item_id, d #>> '{ClassRef,value}' AS class_id,
      COALESCE(d #>> '{CustomerRef,value}', CASE WHEN party.kind = 'customer' THEN party.id END) AS customer_id,
      CASE WHEN party.kind = 'vendor' THEN party.id END AS vendor_id,
      ${typed(`(d ->> 'Qty')`, 'numeric')} AS qty, ${typed(`(d ->> 'UnitPrice')`, 'numeric')} AS unit_price,
      d #>> '{TaxCodeRef,value}' AS tax_code_id,
      l.line #>> '{LinkedTxn,0,TxnId}' AS linked_txn_id, l.line #>> '{LinkedTxn,0,TxnType}' AS linked_txn_type
    FROM raw.${table} r
    CROSS JOIN LATERAL jsonb_array_elements(
      CASE WHEN jsonb_typeof(r.payload -> 'Line') = 'array' THEN r.payload -> 'Line' ELSE '[]'::jsonb END
    ) WITH ORDINALITY AS l(line, n)
    CROSS JOIN LATERAL (SELECT l.line -> (l.line ->> 'DetailType') AS d) detail
    CROSS JOIN LATERAL (
      SELECT COALESCE(d #>> '{Entity,EntityRef,value}', d #>> '{Entity,value}') AS id,
        lower(COALESCE(d #>> '{Entity,type}', d #>> '{Entity,Type}', 'customer')) AS kind
    ) party
    WHERE r.deleted_at_utc IS NULL`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS staging`.execute(db);
  for (const [view, columns] of Object.entries(ENTITY_VIEWS)) {
    await sql.raw(entityView(view, `qb_${view}`, columns)).execute(db);
  }
  for (const [singular, table] of Object.entries(LINE_VIEWS))
    await sql.raw(lineView(singular, table)).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS staging CASCADE`.execute(db);
}
