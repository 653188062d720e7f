import { isSection, rowsOf, type ReportAnswer, type ReportRow } from './report-shape.js';

/**
 * QBO does not page reports: too large a one still answers 200, its last data row saying this, the
 * rest of the report left out (a cap of about 400,000 cells is reported).
 */
export const REPORT_CUT_TEXT = 'Unable to display more data. Please reduce the date range.';

function lastRow(rows: ReportRow[]): ReportRow | undefined {
  return rows[rows.length - 1];
}

/** True when any data row carries QBO's cut message (it is the last one; looked for anywhere). */
function saysCut(rows: ReportRow[]): boolean {
  return rows.some((row) =>
    isSection(row)
      ? saysCut(rowsOf(row))
      : (row.ColData ?? []).some((c) => (c.value ?? '').includes('Unable to display more data')),
  );
}

/**
 * A detail report's second sign of a cut: its last group, at any depth, lost its Summary (every
 * group of a whole one ends with its total). Only asked of detail reports: a summary report has
 * computed groups without one.
 */
function lastGroupLostSummary(rows: ReportRow[]): boolean {
  const last = lastRow(rows);
  if (!last || !isSection(last)) return false;
  if (last.Summary === undefined) return true;
  return lastGroupLostSummary(rowsOf(last));
}

/** Why the answer is cut, or null when it is whole. */
export function reportCut(answer: ReportAnswer, detail: boolean): string | null {
  const rows = rowsOf(answer);
  if (saysCut(rows)) return 'answer says "Unable to display more data"';
  if (detail && lastGroupLostSummary(rows)) return 'the last group has no Summary';
  return null;
}
