/**
 * What the staging tests compare the ledger with, and read it through: the postings the emulator's
 * own rules make of raw's payloads, the ledger's rows in the same form, a count query, the line
 * views, and what `reconcile --json` answers.
 */
import { sql } from 'kysely';
import { ENTITIES } from '../../src/model/entities.js';
import type { Db } from '../../src/infra/db.js';
// The emulator's own posting rules, read over the same payloads: the ledger must be them, row for row.
import { postingsOf, type LedgerLookup } from '../../packages/qbo-emulator/src/ledger/postings.js';

/** What `reconcile --json` answers. */
export interface Reconciled {
  agrees: boolean;
  source: string;
  request: string;
  accounts: { accountId: string; qbo: string }[];
  differing: { accountId: string; difference: string }[];
}

/** The staging relations of one entity: its view, and its line view when its payload has `Line`. */
export const LINE_VIEWS: Record<string, string> = {
  bills: 'bill_lines',
  bill_payments: 'bill_payment_lines',
  credit_memos: 'credit_memo_lines',
  deposits: 'deposit_lines',
  estimates: 'estimate_lines',
  invoices: 'invoice_lines',
  journal_entries: 'journal_entry_lines',
  payments: 'payment_lines',
  purchases: 'purchase_lines',
  purchase_orders: 'purchase_order_lines',
  refund_receipts: 'refund_receipt_lines',
  sales_receipts: 'sales_receipt_lines',
  vendor_credits: 'vendor_credit_lines',
};

/** The first row's `n` of a count query (-1 when it has no row). */
export const count = async (db: Db, query: ReturnType<typeof sql<{ n: number }>>) =>
  (await query.execute(db)).rows[0]?.n ?? -1;

const cents = (v: string) => Math.round(Number(v) * 100);

/**
 * Every posting the emulator's rules make of the realm's live transactions in raw, one string a
 * posting (`type|id|line|account|debit|credit|customer|vendor|class|department`, cents).
 */
export async function emulatorPostings(db: Db, realmId: string): Promise<string[]> {
  const accounts = (
    await sql<{ id: string; type: string; sub: string }>`
      SELECT id, payload ->> 'AccountType' AS type, payload ->> 'AccountSubType' AS sub
      FROM raw.qb_accounts WHERE realm_id = ${realmId} AND deleted_at_utc IS NULL`.execute(db)
  ).rows.sort((a, b) => Number(a.id) - Number(b.id));
  const items = new Map(
    (
      await sql<{ id: string; payload: Record<string, unknown> }>`
        SELECT id, payload FROM raw.qb_items WHERE realm_id = ${realmId} AND deleted_at_utc IS NULL`.execute(
        db,
      )
    ).rows.map((r) => [r.id, r.payload]),
  );
  const lookup: LedgerLookup = {
    accountOfType: (type) => accounts.find((a) => a.type === type)?.id,
    accountOfSubType: (sub) => accounts.find((a) => a.sub === sub)?.id,
    item: (id) => items.get(id),
  };
  const expected: string[] = [];
  for (const e of ENTITIES.filter((x) => x.kind === 'transaction')) {
    const rows = await sql<{ id: string; payload: Record<string, unknown> }>`
      SELECT id, payload FROM raw.${sql.raw(e.table)} WHERE realm_id = ${realmId} AND deleted_at_utc IS NULL`.execute(
      db,
    );
    for (const r of rows.rows) {
      for (const p of postingsOf(e.qboName, r.payload, lookup)) {
        expected.push(
          [
            e.qboName,
            r.id,
            p.lineId,
            p.accountId,
            p.debitCents,
            p.creditCents,
            p.customerId,
            p.vendorId,
            p.classId,
            p.departmentId,
          ].join('|'),
        );
      }
    }
  }
  return expected;
}

/** The realm's rows of staging.general_ledger, in emulatorPostings' form (absent ids empty). */
export async function ledgerPostings(db: Db, realmId: string): Promise<string[]> {
  const ledger = await sql<Record<string, string | null>>`
    SELECT txn_type, txn_id, line_id, account_id, debit::text, credit::text, customer_id, vendor_id, class_id, department_id
    FROM staging.general_ledger WHERE realm_id = ${realmId}`.execute(db);
  return ledger.rows.map((r) =>
    [
      r.txn_type,
      r.txn_id,
      r.line_id,
      r.account_id,
      cents(r.debit as string),
      cents(r.credit as string),
      r.customer_id ?? '',
      r.vendor_id ?? '',
      r.class_id ?? '',
      r.department_id ?? '',
    ].join('|'),
  );
}
