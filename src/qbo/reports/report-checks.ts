import { amountColumn, cents, centsText, columnKey, isSection, rowsOf } from './report-shape.js';
import type { ColData, ReportAnswer, ReportRow } from './report-shape.js';

/** A check that did not hold: what, and the figures that differ. */
export interface FailedCheck {
  check: string;
  expected: string;
  actual: string;
}

/** What raw.qb_reports.checks holds: `{"ok":true}` or the checks that failed. */
export type ReportChecks = { ok: true } | { ok: false; failed: FailedCheck[] };

function cell(cells: ColData[] | undefined, at: number): bigint | null {
  return cents(cells?.[at]?.value);
}

function title(row: ReportRow): string {
  return row.Header?.ColData?.[0]?.value || row.group || row.Summary?.ColData?.[0]?.value || 'section';
}

/**
 * Every section with rows adds up to its Summary to the cent, in column `at`: its data rows plus
 * the Summary of each nested section (a nested section without one adds its own rows). Sections
 * without rows (NetIncome, GrossProfit: computed from others) have nothing to add up.
 * Returns the section's total as its Summary states it (or its rows' sum without one).
 */
function sectionSums(rows: ReportRow[], at: number, path: string[], failed: FailedCheck[]): bigint {
  let sum = 0n;
  for (const row of rows) {
    if (!isSection(row)) {
      sum += cell(row.ColData, at) ?? 0n;
      continue;
    }
    const inner = [...path, title(row)];
    const children = rowsOf(row);
    const added = sectionSums(children, at, inner, failed);
    const stated = cell(row.Summary?.ColData, at);
    if (children.length > 0 && stated !== null && stated !== added) {
      failed.push({
        check: `section ${inner.join(' / ')}`,
        expected: centsText(stated),
        actual: centsText(added),
      });
    }
    sum += stated ?? added;
  }
  return sum;
}

/** The Summary of the top-level section of `group`, in column `at`. */
function groupTotal(answer: ReportAnswer, group: string, at: number): bigint | null {
  const found = rowsOf(answer).find((r) => r.group === group);
  return found ? cell(found.Summary?.ColData, at) : null;
}

function balanceSheetCheck(answer: ReportAnswer, at: number, failed: FailedCheck[]): void {
  const assets = groupTotal(answer, 'TotalAssets', at);
  const claims = groupTotal(answer, 'TotalLiabilitiesAndEquity', at);
  // A company with nothing on its books has neither section: nothing to compare.
  if (assets === null && claims === null) return;
  if ((assets ?? 0n) !== (claims ?? 0n)) {
    failed.push({
      check: 'TotalAssets = TotalLiabilitiesAndEquity',
      expected: centsText(assets ?? 0n),
      actual: centsText(claims ?? 0n),
    });
  }
}

/** Debit and credit columns by key (`debt_amt`, `credit_amt` as QBO keys them), else by title. */
function debitCreditColumns(answer: ReportAnswer): [number, number] {
  const columns = answer.Columns?.Column ?? [];
  const find = (key: RegExp) =>
    columns.findIndex((c) => key.test(columnKey(c) ?? '') || key.test(c.ColTitle ?? ''));
  const debit = find(/^(debt|debit)/i);
  const credit = find(/^credit/i);
  return [debit >= 0 ? debit : columns.length - 2, credit >= 0 ? credit : columns.length - 1];
}

function trialBalanceCheck(answer: ReportAnswer, failed: FailedCheck[]): void {
  const [debitAt, creditAt] = debitCreditColumns(answer);
  const debits = sectionSums(rowsOf(answer), debitAt, ['debits'], failed);
  const credits = sectionSums(rowsOf(answer), creditAt, ['credits'], failed);
  // The GrandTotal section's Summary states both totals; without one, the rows' sums.
  const total = rowsOf(answer).find((r) => r.group === 'GrandTotal');
  const lineDebits = total ? (cell(total.Summary?.ColData, debitAt) ?? debits) : debits;
  const lineCredits = total ? (cell(total.Summary?.ColData, creditAt) ?? credits) : credits;
  if (lineDebits !== lineCredits) {
    failed.push({
      check: 'total debits = total credits',
      expected: centsText(lineDebits),
      actual: centsText(lineCredits),
    });
  }
}

/**
 * The checks of a stored report: every section adds up to its Summary; a balance sheet balances; a
 * trial balance's debits equal its credits. Pure: `amountKey` as the registry names it.
 */
export function checkReport(name: string, answer: ReportAnswer, amountKey?: string): ReportChecks {
  const failed: FailedCheck[] = [];
  if (name === 'TrialBalance') {
    trialBalanceCheck(answer, failed);
  } else {
    const at = amountColumn(answer, amountKey);
    sectionSums(rowsOf(answer), at, [], failed);
    if (name === 'BalanceSheet') balanceSheetCheck(answer, at, failed);
  }
  return failed.length === 0 ? { ok: true } : { ok: false, failed };
}

/** One line for `report --run` and the run page: `ok`, or what failed with its figures. */
export function checksText(checks: unknown): string {
  const c = checks as ReportChecks | null;
  if (!c || c.ok) return 'ok';
  return c.failed.map((f) => `${f.check}: ${f.expected} vs ${f.actual}`).join('; ');
}
