import { amountColumn, isSection, rowsOf } from './report-shape.js';
import type { ColData, ReportAnswer, ReportRow } from './report-shape.js';

/** One row of raw.qb_report_rows, before its report's key. */
export interface FlatReportRow {
  rowNumber: number;
  /** Section headers from the top (their first cell's value). */
  path: string[];
  /** QBO's `group` of the row's section (a summary: its own section's). */
  sectionGroup: string | null;
  rowType: 'data' | 'summary';
  accountId: string | null;
  label: string | null;
  /** The amount column's value as sent (numeric text), null when empty. */
  amount: string | null;
  cells: ColData[];
}

/** Column types and keys that name the account of a row (P&L, balance sheet, trial balance, GL). */
const ACCOUNT_COLUMN_TYPES = new Set(['Account']);
const ACCOUNT_COLUMN_KEYS = new Set(['account_name', 'account']);

function accountColumn(answer: ReportAnswer): number {
  return (answer.Columns?.Column ?? []).findIndex(
    (c) =>
      ACCOUNT_COLUMN_TYPES.has(c.ColType ?? '') ||
      c.MetaData?.some((m) => m.Name === 'ColKey' && ACCOUNT_COLUMN_KEYS.has(m.Value ?? '')),
  );
}

function amountText(value: string | undefined): string | null {
  if (value === undefined) return null;
  const text = value.replace(/,/g, '').trim();
  return /^-?\d+(\.\d+)?$/.test(text) ? text : null;
}

/**
 * The answer's rows in order, depth first: each data row, then each section's Summary after its
 * rows (as QBO prints it). Section headers are not rows: they are the `path` of what they hold.
 */
export function flattenReport(answer: ReportAnswer, amountKey?: string): FlatReportRow[] {
  const amountAt = amountColumn(answer, amountKey);
  const accountAt = accountColumn(answer);
  const out: FlatReportRow[] = [];
  const emit = (cells: ColData[], rowType: 'data' | 'summary', path: string[], group: string | null) => {
    const account = accountAt >= 0 ? cells[accountAt]?.id : undefined;
    out.push({
      rowNumber: out.length + 1,
      path,
      sectionGroup: group,
      rowType,
      accountId: account !== undefined && account !== '' ? account : null,
      label: cells[0]?.value ?? null,
      amount: amountText(cells[amountAt]?.value),
      cells,
    });
  };
  const walk = (rows: ReportRow[], path: string[], group: string | null) => {
    for (const row of rows) {
      if (!isSection(row)) {
        emit(row.ColData ?? [], 'data', path, group);
        continue;
      }
      const title = row.Header?.ColData?.[0]?.value;
      const inner = title !== undefined && title !== '' ? [...path, title] : path;
      const own = row.group ?? group;
      walk(rowsOf(row), inner, own);
      if (row.Summary?.ColData) emit(row.Summary.ColData, 'summary', inner, own);
    }
  };
  walk(rowsOf(answer), [], null);
  return out;
}
