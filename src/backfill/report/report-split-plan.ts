/**
 * Where a report is read, and how a cut answer's period splits (pure). QBO cuts a report too large
 * for it ("Unable to display more data") and advises ranges of six months or less; the product
 * reads a month per request, and splits a cut one as hotglue's tap does: the month into weeks, a
 * week into days, a day of a detail report into batches of its columns (halved until whole).
 */
import type { ReportDefinition } from '../../model/reports.js';

/** One request's period, in the company's calendar dates (inclusive), and its column batch if any. */
export interface ReportPart {
  start: string;
  end: string;
  /** A batch of the detail report's columns; absent: QBO's default columns. */
  columns?: readonly string[];
}

const DAY_MS = 86_400_000;
/** Days of a week part: a cut month splits into runs of seven days from its first. */
const WEEK_DAYS = 7;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function daysIn(part: ReportPart): number {
  return (
    Math.round((Date.parse(`${part.end}T00:00:00Z`) - Date.parse(`${part.start}T00:00:00Z`)) / DAY_MS) + 1
  );
}

/** The calendar month holding `day` (`YYYY-MM-DD`): its first and last dates. */
export function monthOf(day: string): { first: string; last: string } {
  const first = `${day.slice(0, 7)}-01`;
  const d = new Date(`${first}T00:00:00Z`);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { first, last: new Date(next - DAY_MS).toISOString().slice(0, 10) };
}

/** Every calendar month that the dates `[from, to]` touch, by first day. */
export function monthsOf(from: string, to: string): string[] {
  const months: string[] = [];
  for (let m = monthOf(from).first; m <= to; m = addDays(monthOf(m).last, 1)) months.push(m);
  return months;
}

/** The first request of a month: the month itself (period), or its last day (as-of). */
export function monthPart(report: Pick<ReportDefinition, 'kind'>, month: string): ReportPart {
  const { first, last } = monthOf(month);
  return report.kind === 'period' ? { start: first, end: last } : { start: last, end: last };
}

/** Splits `dates` into runs of `size` days from its first. */
function runsOf(part: ReportPart, size: number): ReportPart[] {
  const parts: ReportPart[] = [];
  for (let start = part.start; start <= part.end; start = addDays(start, size)) {
    const end = addDays(start, size - 1);
    parts.push({ start, end: end < part.end ? end : part.end });
  }
  return parts;
}

/**
 * The parts a cut answer of `part` is read again as: weeks of a longer period, days of a week,
 * then halves of a detail report's columns (their answers are merged into the day's one report).
 * An empty list: it cannot split further (an as-of report, a single column) and stays unread.
 */
export function splitCutPart(
  report: Pick<ReportDefinition, 'kind' | 'detailColumns'>,
  part: ReportPart,
): ReportPart[] {
  const days = daysIn(part);
  if (report.kind === 'period' && days > WEEK_DAYS) return runsOf(part, WEEK_DAYS);
  if (report.kind === 'period' && days > 1) return runsOf(part, 1);
  const columns = part.columns ?? report.detailColumns;
  if (!columns || columns.length < 2) return [];
  const half = Math.ceil(columns.length / 2);
  return [
    { ...part, columns: columns.slice(0, half) },
    { ...part, columns: columns.slice(half) },
  ];
}

/** True when the parts are column batches of one period (merged into one stored report). */
export function isColumnSplit(parts: readonly ReportPart[]): boolean {
  return parts.length > 0 && parts.every((p) => p.columns !== undefined && p.start === parts[0]?.start);
}

/** QBO's query parameters for a part: the dates as the report takes them, and the method. */
export function reportParams(
  report: Pick<ReportDefinition, 'dateParam'>,
  part: ReportPart,
  accountingMethod: string,
): Record<string, string> {
  const dates: Record<string, string> =
    report.dateParam === 'report_date'
      ? { report_date: part.end }
      : { start_date: part.start, end_date: part.end };
  return {
    ...dates,
    accounting_method: accountingMethod,
    ...(part.columns ? { columns: part.columns.join(',') } : {}),
  };
}
