/**
 * QBO's report JSON: `Header`, `Columns.Column[]` and `Rows.Row[]`, where a row is a data row
 * (`ColData[]` of `{value, id}`) or a section (`Header`, `Rows`, `Summary`, `type: "Section"`,
 * `group`). Key order follows QBO's answers (see the README's sample).
 */

export interface ColData {
  value: string;
  id?: string;
}

export interface DataRow {
  ColData: ColData[];
  type: 'Data';
}

export interface SectionRow {
  Header?: { ColData: ColData[] };
  Rows?: { Row: Row[] };
  Summary?: { ColData: ColData[] };
  type: 'Section';
  group?: string;
}

export type Row = DataRow | SectionRow;

export interface Column {
  ColTitle: string;
  ColType: string;
  MetaData?: { Name: string; Value: string }[];
}

export interface Report {
  Header: Record<string, unknown>;
  Columns: { Column: Column[] };
  Rows: { Row: Row[] };
}

/** Integer cents as QBO writes money in reports: `1234.50`, `-12.00`. */
export function formatCents(cents: number): string {
  const abs = Math.abs(Math.round(cents));
  const text = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return cents < 0 && abs !== 0 ? `-${text}` : text;
}

/** Report money back to cents (for tests and sums). */
export function parseCents(value: string): number {
  return value === '' ? 0 : Math.round(Number(value) * 100);
}

export function cell(value: string, id?: string): ColData {
  return id === undefined ? { value } : { value, id };
}

export function dataRow(cols: ColData[]): DataRow {
  return { ColData: cols, type: 'Data' };
}

/** A section; parts left undefined are left out, as QBO leaves out a Header-less summary's Header. */
export function section(
  group: string | undefined,
  header: ColData[] | undefined,
  rows: Row[] | undefined,
  summary: ColData[] | undefined,
): SectionRow {
  const out: Partial<SectionRow> = {};
  if (header) out.Header = { ColData: header };
  if (rows) out.Rows = { Row: rows };
  if (summary) out.Summary = { ColData: summary };
  out.type = 'Section';
  if (group !== undefined) out.group = group;
  return out as SectionRow;
}

/** `[label, '', '', ...]`: a header line over `width` columns. */
export function labelled(label: string, width: number, id?: string): ColData[] {
  return [cell(label, id), ...Array.from({ length: width - 1 }, () => cell(''))];
}

export function moneyColumn(title: string, meta: { Name: string; Value: string }[]): Column {
  return { ColTitle: title, ColType: 'Money', MetaData: meta };
}

export const UNABLE_TO_DISPLAY = 'Unable to display more data. Please reduce the date range.';

function rowsOf(r: SectionRow): Row[] {
  return r.Rows?.Row ?? [];
}

/**
 * Cuts a report bigger than `limit` cells (rows x columns): keeps the rows that fit, drops the
 * Summary of every section left incomplete (a detail report's last group loses its Summary), and
 * ends with a data row saying so, as QBO does (200, no error). Returns whether it cut.
 */
export function cutToCellLimit(report: Report, limit: number): boolean {
  const width = report.Columns.Column.length;
  const maxRows = Math.max(0, Math.floor(limit / Math.max(1, width)) - 1);
  if (countRows(report.Rows.Row) * width <= limit) return false;
  let budget = maxRows;
  const take = (rows: Row[]): { rows: Row[]; complete: boolean } => {
    const kept: Row[] = [];
    for (const r of rows) {
      if (budget <= 0) return { rows: kept, complete: false };
      if (r.type === 'Data') {
        kept.push(r);
        budget--;
        continue;
      }
      const copy = section(r.group, undefined, undefined, undefined);
      if (r.Header) {
        copy.Header = r.Header;
        budget--;
      }
      const inner = take(rowsOf(r));
      if (r.Rows) copy.Rows = { Row: inner.rows };
      const complete = inner.complete && budget > 0;
      if (complete && r.Summary) {
        copy.Summary = r.Summary;
        budget--;
      }
      // Key order: Header, Rows, Summary, type, group.
      kept.push(reorder(copy));
      if (!complete) return { rows: kept, complete: false };
    }
    return { rows: kept, complete: true };
  };
  const { rows } = take(report.Rows.Row);
  rows.push(dataRow(labelled(UNABLE_TO_DISPLAY, width)));
  report.Rows.Row = rows;
  return true;
}

function reorder(s: SectionRow): SectionRow {
  return section(s.group, s.Header?.ColData, s.Rows?.Row, s.Summary?.ColData);
}

/** Rows of a report, headers and summaries included. */
export function countRows(rows: readonly Row[]): number {
  let n = 0;
  for (const r of rows) {
    if (r.type === 'Data') n++;
    else n += (r.Header ? 1 : 0) + (r.Summary ? 1 : 0) + countRows(rowsOf(r));
  }
  return n;
}
