/**
 * The trial balance from `staging.general_ledger`, as QBO's TrialBalance states it as of a date:
 * balance-sheet accounts cumulative from the first transaction to that date; income and expense
 * accounts from January 1 of its year (the company's fiscal year starts in January) to that date;
 * the net income of the years before folded into Retained Earnings (the lowest-Id account of
 * subtype RetainedEarnings), as QBO closes a year.
 */
import { sql } from 'kysely';
import type { Db } from '../infra/db.js';

/** One account's line: its balance in cents, debit positive (a credit balance is negative). */
export interface BalanceLine {
  readonly accountId: string;
  readonly name: string | null;
  readonly cents: bigint;
}

/** Account types whose balances start again each year (QBO's income statement accounts). */
export const PROFIT_AND_LOSS_TYPES = Object.freeze([
  'Income',
  'Other Income',
  'Cost of Goods Sold',
  'Expense',
  'Other Expense',
]);

/** Every account the ledger moved by `asOf` (a date, `YYYY-MM-DD`), with a nonzero balance. */
export async function ledgerTrialBalance(db: Db, realmId: string, asOf: string): Promise<BalanceLine[]> {
  const yearStart = `${asOf.slice(0, 4)}-01-01`;
  const types = sql.join(PROFIT_AND_LOSS_TYPES.map((t) => sql`${t}`));
  const result = await sql<{ account_id: string; name: string | null; cents: string }>`
    WITH retained AS (
      SELECT min(id::numeric)::text AS id FROM staging.accounts
      WHERE realm_id = ${realmId} AND account_sub_type = 'RetainedEarnings'),
    moved AS (
      SELECT CASE WHEN a.account_type IN (${types}) AND g.txn_date < ${yearStart}::date
          THEN (SELECT id FROM retained) ELSE g.account_id END AS account_id,
        round(sum(g.debit - g.credit) * 100) AS cents
      FROM staging.general_ledger g
      LEFT JOIN staging.accounts a ON a.realm_id = g.realm_id AND a.id = g.account_id
      WHERE g.realm_id = ${realmId} AND g.txn_date <= ${asOf}::date
      GROUP BY 1)
    SELECT m.account_id, a.name, m.cents::text AS cents FROM moved m
    LEFT JOIN staging.accounts a ON a.realm_id = ${realmId} AND a.id = m.account_id
    WHERE m.cents <> 0 ORDER BY m.account_id::numeric`.execute(db);
  return result.rows.map((r) => ({ accountId: r.account_id, name: r.name, cents: BigInt(r.cents) }));
}
