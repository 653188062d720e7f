import { REPORTS, type ReportKind } from '../../model/reports.js';
import type { Command } from '../command.js';
import { listingCommand } from '../listing-command.js';

/** One report as `reports --json` prints it (the contract's keys, in its order). */
export interface ReportListing {
  name: string;
  kind: ReportKind;
}

export function reportListing(): ReportListing[] {
  return REPORTS.map((r) => ({ name: r.name, kind: r.kind }));
}

export const reportsCommand: Command = listingCommand({
  name: 'reports',
  summary: 'every QBO report the product extracts (enqueue --reports, sync --reports), period or as-of',
  json: reportListing,
  head: ['name', 'kind', 'read per calendar month'],
  rows: () =>
    REPORTS.map((r) => [r.name, r.kind, r.kind === 'period' ? 'over the month' : "at the month's last day"]),
  footer: () =>
    `${REPORTS.length} reports; --reports all takes every one; stored in raw.qb_reports and raw.qb_report_rows, a month QBO cuts split into weeks, days, then column batches`,
});
