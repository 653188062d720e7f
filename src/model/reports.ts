/**
 * The report registry: every QBO report the product extracts is one entry here, read by one generic
 * loop (src/backfill/report/). Reports are not entities: QBO computes them, they have no ids, no
 * LastUpdatedTime and no paging, so they are read per company calendar month of a run's range.
 *
 * - `kind: 'period'`: the report covers a span (`start_date`, `end_date`): one request per month.
 * - `kind: 'as-of'`: the report states balances at a date: one request at each month's last day,
 *   as `start_date`/`end_date` or, for the aging reports, `report_date` (QBO's own parameter for
 *   them; start/end dates are ignored there).
 *
 * Sources: Intuit's "Run reports" API page, node-quickbooks, and what the peers send (hotglue's tap
 * reads GeneralLedger by month, then week, then day, then column batches).
 */
export type ReportKind = 'period' | 'as-of';

export interface ReportDefinition {
  /** QBO's PascalCase name, as in the URL and on the command line. */
  readonly name: string;
  readonly kind: ReportKind;
  /** How the date of an as-of report is sent: `end_date` (and start_date) or `report_date`. */
  readonly dateParam: 'range' | 'report_date';
  /**
   * A detail report (one row per transaction line): the second sign of a cut answer is its last
   * group losing its Summary, and a day still cut is read again in batches of these columns.
   */
  readonly detailColumns?: readonly string[];
  /**
   * MetaData ColKey of the column that holds the row's amount, where the last column is not it
   * (GeneralLedger ends with a running balance). Absent: the last column.
   */
  readonly amountKey?: string;
}

export const REPORTS = [
  { name: 'ProfitAndLoss', kind: 'period', dateParam: 'range' },
  { name: 'BalanceSheet', kind: 'as-of', dateParam: 'range' },
  { name: 'TrialBalance', kind: 'as-of', dateParam: 'range' },
  // GeneralLedger: one row per posting; the largest report by far, the one QBO cuts first. Its
  // default columns end with the running balance, so the amount is named by key.
  {
    name: 'GeneralLedger',
    kind: 'period',
    dateParam: 'range',
    amountKey: 'subt_nat_amount',
    detailColumns: [
      'tx_date',
      'txn_type',
      'doc_num',
      'name',
      'memo',
      'split_acc',
      'subt_nat_amount',
      'rbal_nat_amount',
    ],
  },
  { name: 'CashFlow', kind: 'period', dateParam: 'range' },
  { name: 'AgedReceivables', kind: 'as-of', dateParam: 'report_date' },
  { name: 'AgedPayables', kind: 'as-of', dateParam: 'report_date' },
] as const satisfies readonly ReportDefinition[];

export type ReportName = (typeof REPORTS)[number]['name'];

/** `--reports all`: every report of the registry. */
export const ALL_REPORTS = 'all';

/** How every report is computed: QBO's two bases, as `accounting_method` and in raw.qb_reports. */
export const ACCOUNTING_METHODS = ['Accrual', 'Cash'] as const;
export type AccountingMethod = (typeof ACCOUNTING_METHODS)[number];

/**
 * Defaults of report extraction, declared once.
 */
export const REPORT_DEFAULTS = Object.freeze({
  /**
   * Sent with every report request: left out, QBO applies the company's preference, which can
   * change under the reader (singer-io labels every row Accrual without sending it).
   * @defaultValue 'Accrual'
   */
  accountingMethod: 'Accrual',
  /** Calendar months (the current one included) `sync --reports` reads again. @defaultValue 3 */
  syncTrailingMonths: 3,
});

/** The registry entry of `name` (exact PascalCase, or any case), or undefined. */
export function findReport(name: string): ReportDefinition | undefined {
  const lower = name.toLowerCase();
  return (REPORTS as readonly ReportDefinition[]).find((r) => r.name.toLowerCase() === lower);
}

/** The registry entry of `name`; throws for a name no check let through. */
export function getReport(name: string): ReportDefinition {
  const report = findReport(name);
  if (!report) throw new Error(`unknown report ${JSON.stringify(name)}`);
  return report;
}

export function reportNames(): string[] {
  return REPORTS.map((r) => r.name);
}

/** `accrual`/`cash` (any case) as QBO spells it, or undefined. */
export function accountingMethod(value: string): AccountingMethod | undefined {
  return ACCOUNTING_METHODS.find((m) => m.toLowerCase() === value.trim().toLowerCase());
}
