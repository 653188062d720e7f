import { sql, type Kysely } from 'kysely';
import { createRawTable } from './0002_raw_invoices_customers_items.js';

/**
 * One `raw.qb_<entity>` table for every entity of the registry as it was then (32), as 0002 made
 * its tables. `CREATE TABLE IF NOT EXISTS` leaves the tables of 0002 untouched, so this runs
 * on a database at any earlier version. The list is a literal: an entity added to the registry
 * later needs a migration of its own (a test checks that the migrations create the registry's
 * tables, no more and no fewer).
 */
export const TABLES = [
  'qb_accounts',
  'qb_attachables',
  'qb_bills',
  'qb_bill_payments',
  'qb_budgets',
  'qb_classes',
  'qb_company_info',
  'qb_credit_card_payments',
  'qb_credit_memos',
  'qb_customers',
  'qb_departments',
  'qb_deposits',
  'qb_employees',
  'qb_estimates',
  'qb_invoices',
  'qb_items',
  'qb_journal_entries',
  'qb_payments',
  'qb_payment_methods',
  'qb_preferences',
  'qb_purchases',
  'qb_purchase_orders',
  'qb_refund_receipts',
  'qb_sales_receipts',
  'qb_tax_agencies',
  'qb_tax_codes',
  'qb_tax_rates',
  'qb_terms',
  'qb_time_activities',
  'qb_transfers',
  'qb_vendors',
  'qb_vendor_credits',
] as const;

/** The tables that existed before this migration; `down` leaves them to 0002. */
const EARLIER = new Set<string>(['qb_invoices', 'qb_customers', 'qb_items']);

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await createRawTable(db, table);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    if (!EARLIER.has(table)) await sql`DROP TABLE IF EXISTS raw.${sql.raw(table)}`.execute(db);
  }
}
