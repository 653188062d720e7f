/**
 * The report side of a run's plan: which reports (`--reports`), on which basis
 * (`--accounting-method`), and their windows: one per report and calendar month of the range.
 */
import {
  accountingMethod,
  ALL_REPORTS,
  findReport,
  REPORT_DEFAULTS,
  reportNames,
  type AccountingMethod,
} from '../../model/reports.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { monthOf, monthsOf } from '../report/report-split-plan.js';
import type { DayWindow } from './dates.js';

const DAY_MS = 86_400_000;

/** `--reports`: known names (any case, `all` is every one), no duplicates, as the registry spells them. */
export function parseReports(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((n) => (n.toLowerCase() === ALL_REPORTS ? reportNames() : [n]));
  if (names.length === 0)
    throw new UsageError(
      `--reports: expected report names or ${ALL_REPORTS}; qbo-backfill reports lists them`,
    );
  const unknown = names.filter((n) => !findReport(n));
  if (unknown.length) {
    throw new UsageError(
      `--reports: unknown report ${unknown.map((u) => quoteInput(u)).join(', ')}; qbo-backfill reports lists the known ones`,
    );
  }
  return [...new Set(names.map((n) => (findReport(n) as { name: string }).name))];
}

/** `--accounting-method accrual|cash`; left out: the declared default, always sent to QBO. */
export function parseAccountingMethod(value: string | undefined): AccountingMethod {
  if (value === undefined) return REPORT_DEFAULTS.accountingMethod;
  const method = accountingMethod(value);
  if (!method)
    throw new UsageError(`--accounting-method: expected accrual or cash, got ${quoteInput(value)}`);
  return method;
}

/**
 * One window per calendar month that the range `[from, to)` touches: labelled with the month's
 * first day, spanning the month in UTC midnights (the company's calendar dates the report names).
 */
export function reportMonths(from: Date, to: Date): DayWindow[] {
  const first = from.toISOString().slice(0, 10);
  const last = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  return monthsOf(first, last).map((day) => ({
    day,
    start: new Date(`${day}T00:00:00Z`),
    end: new Date(Date.parse(`${monthOf(day).last}T00:00:00Z`) + DAY_MS),
  }));
}
