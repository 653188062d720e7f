/**
 * A report request's parameters, as QBO reads them: dates are the company's calendar dates
 * (`YYYY-MM-DD`); left out, a report covers this fiscal year to date (the fiscal year is the
 * calendar year); `accounting_method` left out is the company's `Preferences.ReportPrefs.ReportBasis`.
 */
import { dayIndexOf, dayStartMs } from '../data/calendar.js';
import type { Basis } from '../ledger/postings.js';
import { pacificDate, parseUtcDate, utcDate } from '../pacific-time.js';

export interface ReportParams {
  readonly start: string;
  readonly end: string;
  readonly startDay: number;
  readonly endDay: number;
  readonly basis: Basis;
  /** `Total`, `Days`, `Week`, `Month`, `Quarter` or `Year`. */
  readonly summarizeBy: string;
  /** Detail reports: the column keys asked for (`columns=tx_date,name,subt_nat_amount`). */
  readonly columns: readonly string[] | undefined;
  /** Aging reports: the date the ages are counted to. */
  readonly reportDate: string;
  readonly reportDay: number;
  readonly now: number;
}

export const SUMMARIZE_BY = ['Total', 'Days', 'Week', 'Month', 'Quarter', 'Year'] as const;

/** A parameter QBO refuses (400, ValidationFault). */
export class ReportParamError extends Error {
  override readonly name = 'ReportParamError';
  constructor(
    readonly property: string,
    detail: string,
  ) {
    super(detail);
  }
}

export function dateOfDay(day: number): string {
  return utcDate(dayStartMs(day));
}

function dateParam(search: URLSearchParams, key: string, fallback: string): string {
  const value = search.get(key);
  if (value === null || value === '') return fallback;
  if (parseUtcDate(value) === undefined) throw new ReportParamError(key, `expected YYYY-MM-DD, got ${value}`);
  return value;
}

export function parseReportParams(search: URLSearchParams, now: number, preferredBasis: Basis): ReportParams {
  const today = pacificDate(now);
  const end = dateParam(search, 'end_date', today);
  const start = dateParam(search, 'start_date', `${end.slice(0, 4)}-01-01`);
  if (start > end) throw new ReportParamError('start_date', 'start_date is after end_date');
  const method = search.get('accounting_method');
  let basis = preferredBasis;
  if (method !== null && method !== '') {
    const found = (['Accrual', 'Cash'] as const).find((b) => b.toLowerCase() === method.toLowerCase());
    if (!found) throw new ReportParamError('accounting_method', `expected Accrual or Cash, got ${method}`);
    basis = found;
  }
  const by = search.get('summarize_column_by');
  const summarizeBy = by ? SUMMARIZE_BY.find((s) => s.toLowerCase() === by.toLowerCase()) : 'Total';
  if (!summarizeBy)
    throw new ReportParamError('summarize_column_by', `expected one of ${SUMMARIZE_BY.join(', ')}`);
  const columns = search.get('columns');
  const reportDate = dateParam(search, 'report_date', search.get('end_date') ? end : today);
  const day = (d: string) => dayIndexOf(parseUtcDate(d) as number);
  return {
    start,
    end,
    startDay: day(start),
    endDay: day(end),
    basis,
    summarizeBy,
    columns: columns
      ? columns
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== '')
      : undefined,
    reportDate,
    reportDay: day(reportDate),
    now,
  };
}

/** One column of a summary report: a span of days and its titles. */
export interface Period {
  readonly startDay: number;
  readonly endDay: number;
  readonly title: string;
  readonly key: string;
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parts(day: number): { y: number; m: number; d: number; weekday: number } {
  const date = new Date(dayStartMs(day));
  return { y: date.getUTCFullYear(), m: date.getUTCMonth(), d: date.getUTCDate(), weekday: date.getUTCDay() };
}

function shortDate(day: number): string {
  const { y, m, d } = parts(day);
  return `${MONTH_NAMES[m]} ${d}, ${y}`;
}

/** Whether `day` starts a new column when summarizing by `by` (the first day always does). */
function startsPeriod(by: string, day: number): boolean {
  const { m, d, weekday } = parts(day);
  switch (by) {
    case 'Days':
      return true;
    case 'Week':
      return weekday === 0;
    case 'Month':
      return d === 1;
    case 'Quarter':
      return d === 1 && m % 3 === 0;
    case 'Year':
      return d === 1 && m === 0;
    default:
      return false;
  }
}

function titleOf(by: string, startDay: number, endDay: number): string {
  const { y, m } = parts(startDay);
  switch (by) {
    case 'Days':
      return shortDate(startDay);
    case 'Month':
      return `${MONTH_NAMES[m]} ${y}`;
    case 'Quarter':
      return `Q${Math.floor(m / 3) + 1} ${y}`;
    case 'Year':
      return String(y);
    default:
      return `${shortDate(startDay)} - ${shortDate(endDay)}`;
  }
}

/** The report's columns of periods, in order (one for `Total`). */
export function periodsOf(params: ReportParams): Period[] {
  const { startDay, endDay, summarizeBy } = params;
  if (summarizeBy === 'Total') return [{ startDay, endDay, title: 'Total', key: 'total' }];
  const out: Period[] = [];
  let first = startDay;
  for (let day = startDay + 1; day <= endDay + 1; day++) {
    if (day === endDay + 1 || startsPeriod(summarizeBy, day)) {
      const title = titleOf(summarizeBy, first, day - 1);
      out.push({ startDay: first, endDay: day - 1, title, key: title });
      first = day;
    }
  }
  return out;
}

/** `MetaData` of a period column, as QBO gives it. */
export function periodMeta(p: Period): { Name: string; Value: string }[] {
  if (p.key === 'total') return [{ Name: 'ColKey', Value: 'total' }];
  return [
    { Name: 'StartDate', Value: dateOfDay(p.startDay) },
    { Name: 'EndDate', Value: dateOfDay(p.endDay) },
    { Name: 'ColKey', Value: p.key },
  ];
}

/** Jan 1 of the (calendar = fiscal) year holding `day`. */
export function yearStartDay(day: number): number {
  return dayIndexOf(Date.UTC(parts(day).y, 0, 1));
}
