/**
 * The entity registry: every QBO entity the product extracts is one entry here. Everything else
 * (the planner, the worker loop, the queries, the upsert, the reports, the raw tables' migration)
 * is generic and reads its behaviour from these entries.
 *
 * How an entry is read follows from two fields:
 * - `read: 'window'`: one window per UTC day, `WHERE MetaData.LastUpdatedTime >= start AND < end
 *   ORDERBY MetaData.LastUpdatedTime`, plus `Active IN (true, false)` for name lists.
 * - `read: 'whole'`: one window per run, `SELECT * FROM X` (name lists: `WHERE Active IN (true,
 *   false)`) without any time condition or order, for entities that are one record per company or
 *   that QBO may refuse to filter by time. Its ops.windows row carries the run's first day and the
 *   run's whole range; a whole read stores every record, whatever its LastUpdatedTime.
 *
 * Quirks are written above each entry; sources: Intuit's API reference and CDC page, and what the
 * peers' connectors send (singer-io/tap-quickbooks, Airbyte's source-quickbooks, hotglue's tap).
 */
export type EntityKindName = 'transaction' | 'list' | 'snapshot';

export interface EntityDefinition {
  /** Name used on the command line, in job data and in reports (`invoices`, `journal_entries`). */
  readonly name: string;
  /** QBO entity name used in queries and response keys (`Invoice`). */
  readonly qboName: string;
  /** Destination table in schema `raw`: `qb_` and the snake_case plural name. */
  readonly table: `qb_${string}`;
  /**
   * `transaction`: hard-deleted (only CDC shows a deletion), no `Active`. `list`: soft-deleted with
   * `Active=false`. `snapshot`: one record per company that cannot be filtered by time.
   */
  readonly kind: EntityKindName;
  /**
   * Name-list entities are soft-deleted with `Active=false`, and QBO hides inactive ones unless
   * the query names `Active`; transactions and snapshots have no flag. Always `kind === 'list'`.
   */
  readonly nameList: boolean;
  /** `window`: by LastUpdatedTime, one window per UTC day; `whole`: the whole entity once per run. */
  readonly read: 'window' | 'whole';
  /**
   * `false`: Intuit's CDC leaves the entity out (TimeActivity, TaxAgency, TaxCode, TaxRate), so
   * sync re-reads it whole at a slower period of its own and finds deletions by a missing id.
   * Absent: CDC covers it.
   */
  readonly cdc?: false;
}

export const ENTITIES = [
  // Account: the chart of accounts; soft-deleted (Active=false), CDC covers it. Sub-accounts have
  // their own Id and a ParentRef. CurrentBalance changes without an edit of the account itself.
  {
    name: 'accounts',
    qboName: 'Account',
    table: 'qb_accounts',
    kind: 'list',
    nameList: true,
    read: 'window',
  },
  // Attachable: a file or note attached to transactions (AttachableRef); hard-deleted, no Active.
  // Its FileAccessUri/TempDownloadUri are links, not the file: downloading is out of scope.
  {
    name: 'attachables',
    qboName: 'Attachable',
    table: 'qb_attachables',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Bill: owed to a vendor (VendorRef, APAccountRef, Balance); hard-deleted. Paying it creates a
  // BillPayment and changes the bill's Balance, which bumps its LastUpdatedTime.
  { name: 'bills', qboName: 'Bill', table: 'qb_bills', kind: 'transaction', nameList: false, read: 'window' },
  // BillPayment: PayType Check (CheckPayment.BankAccountRef) or CreditCard (CreditCardPayment);
  // Line[].LinkedTxn names the bills paid; hard-deleted.
  {
    name: 'bill_payments',
    qboName: 'BillPayment',
    table: 'qb_bill_payments',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Budget: has Active (singer and hotglue treat it as a name list); BudgetDetail holds every
  // month and account in one record, so one budget can be large. Budgets cannot be created
  // through the API, only read.
  { name: 'budgets', qboName: 'Budget', table: 'qb_budgets', kind: 'list', nameList: true, read: 'window' },
  // Class: soft-deleted; only present when the company turned class tracking on (else none).
  { name: 'classes', qboName: 'Class', table: 'qb_classes', kind: 'list', nameList: true, read: 'window' },
  // CompanyInfo: exactly one record (Id 1) per company, no Active, never deleted. Peers read it
  // whole (`SELECT * FROM CompanyInfo`); a time filter is not something to rely on.
  {
    name: 'company_info',
    qboName: 'CompanyInfo',
    table: 'qb_company_info',
    kind: 'snapshot',
    nameList: false,
    read: 'whole',
  },
  // CreditCardPayment: pays a card balance from a bank account; an entity only since minor
  // version 65 (older peers miss it); hard-deleted.
  {
    name: 'credit_card_payments',
    qboName: 'CreditCardPayment',
    table: 'qb_credit_card_payments',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // CreditMemo: a customer credit; RemainingCredit falls as it is applied (a new LastUpdatedTime).
  {
    name: 'credit_memos',
    qboName: 'CreditMemo',
    table: 'qb_credit_memos',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Customer: soft-deleted; DisplayName unique per company (shared with vendors and employees);
  // sub-customers and projects (IsProject) are customers too, with ParentRef.
  {
    name: 'customers',
    qboName: 'Customer',
    table: 'qb_customers',
    kind: 'list',
    nameList: true,
    read: 'window',
  },
  // Department (shown as "Location" in the UI): soft-deleted; only with location tracking on.
  {
    name: 'departments',
    qboName: 'Department',
    table: 'qb_departments',
    kind: 'list',
    nameList: true,
    read: 'window',
  },
  // Deposit: into a bank account (DepositToAccountRef); lines may link payments held in
  // Undeposited Funds; hard-deleted.
  {
    name: 'deposits',
    qboName: 'Deposit',
    table: 'qb_deposits',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Employee: soft-deleted; SSN comes back masked; payroll data is not in this API.
  {
    name: 'employees',
    qboName: 'Employee',
    table: 'qb_employees',
    kind: 'list',
    nameList: true,
    read: 'window',
  },
  // Estimate: TxnStatus Pending/Accepted/Closed/Rejected; converting it to an invoice links them
  // (LinkedTxn) and updates the estimate; hard-deleted.
  {
    name: 'estimates',
    qboName: 'Estimate',
    table: 'qb_estimates',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Invoice: hard-deleted; a payment lowers Balance and bumps LastUpdatedTime.
  {
    name: 'invoices',
    qboName: 'Invoice',
    table: 'qb_invoices',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Item: products and services; soft-deleted; QtyOnHand changes with sales of inventory items.
  { name: 'items', qboName: 'Item', table: 'qb_items', kind: 'list', nameList: true, read: 'window' },
  // JournalEntry: balanced Debit/Credit lines (JournalEntryLineDetail.PostingType); hard-deleted.
  {
    name: 'journal_entries',
    qboName: 'JournalEntry',
    table: 'qb_journal_entries',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Payment: from a customer; Line[].LinkedTxn names the invoices paid, UnappliedAmt the rest;
  // hard-deleted (and deleting one changes the invoices' Balance).
  {
    name: 'payments',
    qboName: 'Payment',
    table: 'qb_payments',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // PaymentMethod: Cash, Check, cards...; soft-deleted.
  {
    name: 'payment_methods',
    qboName: 'PaymentMethod',
    table: 'qb_payment_methods',
    kind: 'list',
    nameList: true,
    read: 'window',
  },
  // Preferences: one record per company (the settings), no Active; read whole like CompanyInfo.
  {
    name: 'preferences',
    qboName: 'Preferences',
    table: 'qb_preferences',
    kind: 'snapshot',
    nameList: false,
    read: 'whole',
  },
  // Purchase: an expense paid at once (PaymentType Cash, Check or CreditCard; the payee is
  // EntityRef, not VendorRef); hard-deleted.
  {
    name: 'purchases',
    qboName: 'Purchase',
    table: 'qb_purchases',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // PurchaseOrder: non-posting (no effect on the books); POStatus Open/Closed; hard-deleted.
  {
    name: 'purchase_orders',
    qboName: 'PurchaseOrder',
    table: 'qb_purchase_orders',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // RefundReceipt: money back to a customer; DepositToAccountRef is required; hard-deleted.
  {
    name: 'refund_receipts',
    qboName: 'RefundReceipt',
    table: 'qb_refund_receipts',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // SalesReceipt: a sale paid at once (no Balance to collect); hard-deleted.
  {
    name: 'sales_receipts',
    qboName: 'SalesReceipt',
    table: 'qb_sales_receipts',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // TaxAgency: no Active and not deletable through the API; CDC does not cover it (Intuit's CDC
  // page), so a change shows only on a re-read. Read by time like a transaction (as singer does).
  {
    name: 'tax_agencies',
    qboName: 'TaxAgency',
    table: 'qb_tax_agencies',
    kind: 'transaction',
    nameList: false,
    read: 'window',
    cdc: false,
  },
  // TaxCode: Active (soft-deleted); CDC does not cover it; peers disagree on filtering it by
  // LastUpdatedTime (singer does, Airbyte reads it whole), and the reference lists only Id, Name
  // and Active as filterable: read whole, once per run (a few dozen records at most).
  {
    name: 'tax_codes',
    qboName: 'TaxCode',
    table: 'qb_tax_codes',
    kind: 'list',
    nameList: true,
    read: 'whole',
    cdc: false,
  },
  // TaxRate: as TaxCode (Active, no CDC, read whole once per run); created only through TaxService.
  {
    name: 'tax_rates',
    qboName: 'TaxRate',
    table: 'qb_tax_rates',
    kind: 'list',
    nameList: true,
    read: 'whole',
    cdc: false,
  },
  // Term: payment terms (Net 30, discounts); soft-deleted.
  { name: 'terms', qboName: 'Term', table: 'qb_terms', kind: 'list', nameList: true, read: 'window' },
  // TimeActivity: hours by an employee or vendor (NameOf), maybe billable to a customer; hard-
  // deleted and not covered by CDC, so a deletion shows only as a record missing on a re-read.
  {
    name: 'time_activities',
    qboName: 'TimeActivity',
    table: 'qb_time_activities',
    kind: 'transaction',
    nameList: false,
    read: 'window',
    cdc: false,
  },
  // Transfer: between two balance-sheet accounts (FromAccountRef, ToAccountRef); hard-deleted.
  {
    name: 'transfers',
    qboName: 'Transfer',
    table: 'qb_transfers',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
  // Vendor: soft-deleted; DisplayName unique among customers, vendors and employees.
  { name: 'vendors', qboName: 'Vendor', table: 'qb_vendors', kind: 'list', nameList: true, read: 'window' },
  // VendorCredit: a credit from a vendor, applied through BillPayment; hard-deleted.
  {
    name: 'vendor_credits',
    qboName: 'VendorCredit',
    table: 'qb_vendor_credits',
    kind: 'transaction',
    nameList: false,
    read: 'window',
  },
] as const satisfies readonly EntityDefinition[];

export type EntityName = (typeof ENTITIES)[number]['name'];
export type RawTableName = (typeof ENTITIES)[number]['table'];

const byName = new Map<string, EntityDefinition>(ENTITIES.map((e) => [e.name, e]));

/** Every entity name, in the registry's (alphabetical by QBO name) order. */
export function entityNames(): string[] {
  return ENTITIES.map((e) => e.name);
}

export function findEntity(name: string): EntityDefinition | undefined {
  return byName.get(name);
}

export function getEntity(name: string): EntityDefinition {
  const entity = byName.get(name);
  if (!entity) throw new Error(`unknown entity ${JSON.stringify(name)}; known: ${entityNames().join(', ')}`);
  return entity;
}

/** Whether Intuit's change data capture serves the entity (see {@link EntityDefinition.cdc}). */
export function coveredByCdc(entity: EntityDefinition): boolean {
  return entity.cdc !== false;
}

/** `--entities all` means every entity of the registry. */
export const ALL_ENTITIES = 'all';
