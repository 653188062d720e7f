/**
 * QBO's side of a reconciliation: its TrialBalance as of a date, from the report stored in
 * `raw.qb_reports` when the product extracted that period, else asked of QBO. Accrual basis, sent
 * explicitly: left out, the company's own preference would apply (qbo-facts.md, Reports).
 */
import { sql } from 'kysely';
import type { Db } from '../infra/db.js';
import type { ReportResult } from '../qbo/qbo-client-types.js';
import {
  cents,
  columnKey,
  isSection,
  rowsOf,
  type ReportAnswer,
  type ReportRow,
} from '../qbo/reports/report-shape.js';
import type { BalanceLine } from './trial-balance.js';

/** What asks QBO for a report: the product's QboClient (its realm's budget, tokens and retries). */
export interface ReportSource {
  report(realmId: string, name: string, params: Record<string, string>): Promise<ReportResult>;
}

export interface QboTrialBalance {
  readonly lines: BalanceLine[];
  /** `stored`: raw.qb_reports; `qbo`: asked now. */
  readonly source: 'stored' | 'qbo';
  /** The request QBO answered (the stored one's, or the one sent now). */
  readonly request: string;
}

/** The request's parameters: the year to date, as of `asOf`, on the accrual basis. */
export function trialBalanceParams(asOf: string): Record<string, string> {
  return { start_date: `${asOf.slice(0, 4)}-01-01`, end_date: asOf, accounting_method: 'Accrual' };
}

/**
 * The TrialBalance stored for this realm whose period ends at `asOf` (Accrual), or undefined when
 * there is none, or no `raw.qb_reports` table (a database migrated before reports existed).
 */
export async function storedTrialBalance(
  db: Db,
  realmId: string,
  asOf: string,
): Promise<{ report: ReportAnswer; request: string } | undefined> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('raw.qb_reports')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) return undefined;
  const row = await sql<{ payload: ReportAnswer; request_payload: string }>`
    SELECT payload, request_payload FROM raw.qb_reports
    WHERE realm_id = ${realmId} AND report_name = 'TrialBalance' AND accounting_method = 'Accrual'
      AND period_end = ${asOf}::date
    ORDER BY fetched_at_utc DESC LIMIT 1`.execute(db);
  const found = row.rows[0];
  return found ? { report: found.payload, request: found.request_payload } : undefined;
}

/** QBO's TrialBalance as of `asOf`: stored if the product has it, else asked of QBO. */
export async function qboTrialBalance(
  db: Db,
  qbo: () => ReportSource,
  realmId: string,
  asOf: string,
): Promise<QboTrialBalance> {
  const stored = await storedTrialBalance(db, realmId, asOf);
  if (stored) return { lines: trialBalanceLines(stored.report), source: 'stored', request: stored.request };
  const asked = await qbo().report(realmId, 'TrialBalance', trialBalanceParams(asOf));
  return { lines: trialBalanceLines(asked.report), source: 'qbo', request: asked.request };
}

/** The column of a key (`Debit`, `Credit`) by its MetaData key, else by its title, else `fallback`. */
function columnOf(answer: ReportAnswer, key: string, fallback: number): number {
  const columns = answer.Columns?.Column ?? [];
  const keyed = columns.findIndex((c) => columnKey(c)?.toLowerCase() === key);
  if (keyed >= 0) return keyed;
  const titled = columns.findIndex((c) => c.ColTitle?.trim().toLowerCase() === key);
  return titled >= 0 ? titled : fallback;
}

/**
 * The accounts of a TrialBalance answer: every data row naming an account (its first cell's `id`),
 * its balance = Debit - Credit in cents. Summary rows (the totals) name no account and are left out.
 */
export function trialBalanceLines(answer: ReportAnswer): BalanceLine[] {
  const debit = columnOf(answer, 'debit', 1);
  const credit = columnOf(answer, 'credit', 2);
  const byAccount = new Map<string, BalanceLine>();
  const visit = (rows: ReportRow[]) => {
    for (const row of rows) {
      if (isSection(row)) {
        visit(rowsOf(row));
        continue;
      }
      const cells = row.ColData ?? [];
      const accountId = cells[0]?.id;
      if (accountId === undefined || accountId === '') continue;
      const balance = (cents(cells[debit]?.value) ?? 0n) - (cents(cells[credit]?.value) ?? 0n);
      const held = byAccount.get(accountId);
      byAccount.set(accountId, {
        accountId,
        name: held?.name ?? cells[0]?.value ?? null,
        cents: (held?.cents ?? 0n) + balance,
      });
    }
  };
  visit(rowsOf(answer));
  return [...byAccount.values()];
}
