/**
 * The reports of a run, as `report --run` and the run page show them: one entry per report,
 * accounting method and period stored (a month QBO cut is several), with its rows and checks as
 * this run stored them; a report month not stored (yet) says why instead of its checks.
 */
import type { Db } from '../../infra/db.js';
import { findReport } from '../../model/reports.js';
import { checksText } from '../../qbo/reports/report-checks.js';
import { textTable } from '../../infra/text-table.js';

/** One stored report of a run (the contract's keys, in its order). */
export interface RunReportEntry {
  report: string;
  accountingMethod: string;
  periodStart: string;
  periodEnd: string;
  rows: number;
  /** `ok`, or what failed with its figures; for a month not stored, `not stored: ...`. */
  checks: string;
}

/** True for a window that reads a report (its entity is a report's name). */
export function isReportWindow(entity: string): boolean {
  return findReport(entity) !== undefined;
}

export async function runReports(
  db: Db,
  run: { run_id: string; accounting_method: string | null },
): Promise<RunReportEntry[]> {
  const stored = await db
    .selectFrom('ops.window_reports')
    .selectAll()
    .where('run_id', '=', run.run_id)
    .orderBy('report_name')
    .orderBy('period_start')
    .orderBy('period_end')
    .execute();
  const entries: RunReportEntry[] = stored.map((r) => ({
    report: r.report_name,
    accountingMethod: r.accounting_method,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    rows: r.rows,
    checks: checksText(r.checks),
  }));
  // Months whose window has not succeeded: what they stored so far is above; say the rest.
  const open = await db
    .selectFrom('ops.windows')
    .select(['entity', 'day', 'window_end_utc', 'status', 'error'])
    .where('run_id', '=', run.run_id)
    .where('status', '!=', 'succeeded')
    .execute();
  for (const w of open.filter((o) => isReportWindow(o.entity))) {
    entries.push({
      report: w.entity,
      accountingMethod: run.accounting_method ?? '',
      periodStart: w.day,
      periodEnd: new Date(w.window_end_utc.getTime() - 86_400_000).toISOString().slice(0, 10),
      rows: 0,
      checks: `not stored: ${w.status}${w.error ? ` (${w.error})` : ''}`,
    });
  }
  return entries.sort((a, b) =>
    a.report === b.report ? a.periodStart.localeCompare(b.periodStart) : a.report.localeCompare(b.report),
  );
}

/** The reports as a text table, with a line counting the failed checks. */
export function reportsTable(entries: RunReportEntry[]): string[] {
  if (entries.length === 0) return [];
  const rows = entries.map((e) => [
    e.report,
    e.accountingMethod,
    e.periodStart,
    e.periodEnd,
    e.rows,
    e.checks,
  ]);
  const failed = entries.filter((e) => e.checks !== 'ok').length;
  return [
    textTable(['report', 'method', 'from', 'to', 'rows', 'checks'], rows, { rule: true }),
    failed === 0
      ? `${entries.length} reports stored, every check ok`
      : `${failed} of ${entries.length} reports with checks failed or not stored`,
  ];
}
