/**
 * QBO's report answer, as far as the product reads it (Intuit's "Run reports" page): a `Header`,
 * `Columns.Column[]` and `Rows.Row[]`, where a row is a section (`type: 'Section'`, a `group`, a
 * `Header`, nested `Rows` and a `Summary`) or a data row (`ColData[]` of `{value, id}`). Every field
 * is optional here: QBO leaves out what is empty (`Rows` of a report with no data, a section's
 * `Header` for computed groups such as NetIncome).
 */
export interface ColData {
  value?: string;
  id?: string;
}

export interface ReportColumn {
  ColTitle?: string;
  ColType?: string;
  MetaData?: { Name?: string; Value?: string }[];
}

export interface ReportRow {
  type?: string;
  group?: string;
  ColData?: ColData[];
  Header?: { ColData?: ColData[] };
  Rows?: { Row?: ReportRow[] };
  Summary?: { ColData?: ColData[] };
}

export interface ReportAnswer {
  Header?: {
    ReportName?: string;
    StartPeriod?: string;
    EndPeriod?: string;
    ReportBasis?: string;
    Option?: { Name?: string; Value?: string }[];
  };
  Columns?: { Column?: ReportColumn[] };
  Rows?: { Row?: ReportRow[] };
}

/** The MetaData ColKey of a column (its key, whatever language its title is in). */
export function columnKey(column: ReportColumn): string | undefined {
  return column.MetaData?.find((m) => m.Name === 'ColKey')?.Value;
}

export function rowsOf(holder: { Rows?: { Row?: ReportRow[] } } | undefined): ReportRow[] {
  return holder?.Rows?.Row ?? [];
}

/** A section: has a Header, Rows or Summary (QBO marks most with `type: 'Section'`, not all). */
export function isSection(row: ReportRow): boolean {
  return (
    row.type === 'Section' || row.Rows !== undefined || row.Summary !== undefined || row.Header !== undefined
  );
}

/**
 * The column the row's amount is read from: the column keyed `amountKey` when the report names one
 * (GeneralLedger ends with a running balance), else the last, total column.
 */
export function amountColumn(answer: ReportAnswer, amountKey?: string): number {
  const columns = answer.Columns?.Column ?? [];
  if (amountKey) {
    const keyed = columns.findIndex((c) => columnKey(c) === amountKey);
    if (keyed >= 0) return keyed;
  }
  return columns.length - 1;
}

/** Cents of a report amount (`"1234.56"`, `"-3.1"`, `""`): null when empty or not a number. */
export function cents(value: string | undefined): bigint | null {
  if (value === undefined) return null;
  const m = /^\s*(-?)(\d*)(?:\.(\d*))?\s*$/.exec(value.replace(/,/g, ''));
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = (m[3] ?? '').padEnd(3, '0');
  // Half away from zero on the third decimal: QBO sends two, this only guards odd input.
  let c = BigInt(m[2] || '0') * 100n + BigInt(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1n : 0n);
  if (m[1] === '-') c = -c;
  return c;
}

export function centsText(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}
