import { sql } from 'kysely';
import type { Db } from '../../infra/db.js';
import { replaceReport, type StoredReport } from '../../raw/report-store.js';
import { heldBy, LeaseLostError, type WindowAttempt } from './window-key.js';
import { takesPages } from './window-run.js';

/**
 * A whole report part of a report window, committed in ONE transaction: the stored report and its
 * rows replaced, the part recorded for its run (ops.window_reports: rows and checks as this run
 * stored them), and the window's request count. Fenced like a page: the window's row is locked
 * first if `attempt` still holds it, runs, and its run is live; otherwise nothing is written and it
 * throws a LeaseLostError. A retried job stores its parts again: the same keys, replaced.
 */
export async function commitReportPart(
  db: Db,
  attempt: WindowAttempt,
  report: StoredReport,
  requests: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql`SELECT 1 FROM ops.windows
      WHERE ${heldBy(attempt)} AND ${takesPages(attempt.runId)} FOR UPDATE`.execute(trx);
    if (rows.length === 0)
      throw new LeaseLostError(attempt, `report ${report.periodStart}..${report.periodEnd}`);
    const stored = await replaceReport(trx, report);
    await trx
      .insertInto('ops.window_reports')
      .values({
        run_id: attempt.runId,
        entity: attempt.entity,
        day: attempt.day,
        realm_id: report.realmId,
        report_name: report.reportName,
        accounting_method: report.accountingMethod,
        period_start: report.periodStart,
        period_end: report.periodEnd,
        rows: stored,
        checks: JSON.stringify(report.checks),
        requests,
      })
      .onConflict((oc) =>
        oc.columns(['run_id', 'entity', 'day', 'period_start', 'period_end']).doUpdateSet((eb) => ({
          rows: eb.ref('excluded.rows'),
          checks: eb.ref('excluded.checks'),
          requests: sql<number>`ops.window_reports.requests + excluded.requests`,
          stored_at: new Date(),
        })),
      )
      .execute();
    await sql`UPDATE ops.windows SET requests = requests + ${requests}::int, updated_at = now()
      WHERE ${heldBy(attempt)}`.execute(trx);
    return stored;
  });
}

/**
 * What a report window's parts add up to, set on the window before it succeeds: parts stored as
 * its pages, their rows as its rows fetched (set, not added: a retried job stores them again).
 */
export async function setReportWindowCounts(db: Db, attempt: WindowAttempt): Promise<void> {
  await sql`UPDATE ops.windows w SET pages = p.parts, rows_fetched = p.rows,
      updated_at = now()
    FROM (SELECT count(*)::int AS parts, coalesce(sum(rows), 0)::int AS rows FROM ops.window_reports
      WHERE run_id = ${attempt.runId} AND entity = ${attempt.entity} AND day = ${attempt.day}) p
    WHERE ${heldBy(attempt)}`.execute(db);
}
