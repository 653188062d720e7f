import Table from 'cli-table3';
import { REPORTS, type ReportKind } from '../../model/reports.js';
import { EXIT, parseFlags, type Command } from '../command.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';

/** One report as `reports --json` prints it (the contract's keys, in its order). */
export interface ReportListing {
  name: string;
  kind: ReportKind;
}

export function reportListing(): ReportListing[] {
  return REPORTS.map((r) => ({ name: r.name, kind: r.kind }));
}

export const reportsCommand: Command = {
  name: 'reports',
  summary: 'every QBO report the product extracts (enqueue --reports, sync --reports), period or as-of',
  usage: 'qbo-backfill reports [--json]',
  run(argv, io) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, this.usage);
    if (positionals.length)
      throw new UsageError(
        `unexpected argument ${quoteInput(positionals[0] as string)}; usage: ${this.usage}`,
      );
    if (values.json) {
      io.out(JSON.stringify(reportListing()));
      return Promise.resolve(EXIT.ok);
    }
    const table = new Table({
      head: ['name', 'kind', 'read per calendar month'],
      style: { head: [], border: [] },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    for (const r of REPORTS)
      table.push([r.name, r.kind, r.kind === 'period' ? 'over the month' : "at the month's last day"]);
    io.out(table.toString());
    io.out(
      `${REPORTS.length} reports; --reports all takes every one; stored in raw.qb_reports and raw.qb_report_rows, a month QBO cuts split into weeks, days, then column batches`,
    );
    return Promise.resolve(EXIT.ok);
  },
};
