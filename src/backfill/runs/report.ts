import type { Db } from '../../infra/db.js';
import { getRun } from '../state/index.js';
import { textTable } from '../../infra/text-table.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { reportFoot, reportHead } from './report-summary.js';
import { reportWindows } from './report-days.js';
import type { ReportMeta, ReportTotals, RunReport } from './report-types.js';
import { isReportWindow, reportsTable, runReports } from './report-reports.js';

export type { ReportMeta, ReportTotals, RunReport, WindowReport } from './report-types.js';

export async function buildReport(db: Db, runId: string): Promise<RunReport & { meta: ReportMeta }> {
  const run = await getRun(db, runId);
  if (!run) throw new UsageError(`--run: no run ${quoteInput(runId)}`);
  const all = await reportWindows(db, run);
  // Report months are listed under `reports`, not as entity-days; the totals are the entities'.
  const rows = all.windows.filter((w) => !isReportWindow(w.entity));
  const entries = all.entries.filter((e) => !isReportWindow(e.entity));
  const reports = run.reports.length > 0 ? await runReports(db, run) : undefined;
  const totals: ReportTotals = {
    windows: entries.length,
    succeeded: entries.filter((e) => e.status === 'succeeded').length,
    failed: entries.filter((e) => e.status === 'failed').length,
    rowsFetched: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    temporalAnomalies: 0,
    requests: 0,
  };
  for (const w of rows) {
    totals.rowsFetched += w.rows_fetched;
    totals.inserted += w.inserted;
    totals.updated += w.updated;
    totals.unchanged += w.unchanged;
    totals.skipped += w.skipped;
    totals.temporalAnomalies += w.temporal_anomalies;
    totals.requests += w.requests;
  }
  return {
    runId,
    status: run.status,
    totals,
    windows: entries,
    ...(reports ? { reports } : {}),
    meta: {
      realmId: run.realm_id,
      windowCount: rows.length,
      from: run.range_start_utc,
      to: run.range_end_utc,
      startAt: run.start_at_utc,
      statusReason: run.status_reason,
    },
  };
}

export function reportJson(report: RunReport): string {
  const { runId, status, totals, windows, reports } = report;
  return JSON.stringify({ runId, status, totals, windows, ...(reports ? { reports } : {}) });
}

const CSV_COLUMNS = [
  'entity',
  'day',
  'status',
  'pages',
  'rowsFetched',
  'inserted',
  'updated',
  'unchanged',
  'sourceCount',
  'durationMs',
  'attempts',
  'error',
] as const;

function csvCell(value: string | number | null): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One header line and one line per window; the totals are the sum of the lines. */
export function reportCsv(report: RunReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const w of report.windows) lines.push(CSV_COLUMNS.map((c) => csvCell(w[c])).join(','));
  return lines.join('\n');
}

/** Every window on its own line (`report --by day`): wider than 80 columns. */
export function reportTable(report: RunReport & { meta: ReportMeta }, timeZone: string): string {
  const rows = report.windows.map((w) => [
    w.entity,
    w.day,
    w.status,
    w.pages,
    w.rowsFetched,
    w.inserted,
    w.updated,
    w.unchanged,
    w.sourceCount ?? '-',
    w.attempts,
    w.durationMs,
    w.error ?? '',
  ]);
  const body = textTable(
    [
      'entity',
      'day',
      'status',
      'pages',
      'rows',
      'inserted',
      'updated',
      'unchanged',
      'source',
      'attempts',
      'ms',
      'error',
    ],
    rows,
    { rule: true },
  );
  const reports = reportsTable(report.reports ?? []);
  return [
    ...reportHead(report, timeZone),
    '',
    body,
    '',
    ...reports,
    ...(reports.length ? [''] : []),
    ...reportFoot(report),
  ].join('\n');
}
