/**
 * `sync --reports`: each cycle reads the named reports again for the trailing calendar months
 * (past periods change: QBO's closing dates only warn), through the backfill's report loop, and
 * replaces what raw holds for those periods. Each whole part commits with the cycle's lease and
 * its requests, like every step of a cycle.
 */
import { getReport, REPORT_DEFAULTS } from '../model/reports.js';
import { replaceReport } from '../raw/report-store.js';
import { readReportWindow } from '../backfill/report/report-read.js';
import { monthOf } from '../backfill/report/report-split-plan.js';
import type { CycleContext } from './cycle-context.js';
import { addCycleRequests, addEntityCounts, commitCycleStep } from './sync-state.js';

export interface ReportRefresh {
  reports: readonly string[];
  accountingMethod: string;
  /** Calendar months, the current one included. See {@link REPORT_DEFAULTS.syncTrailingMonths}. */
  months: number;
}

/** The first days of the `count` calendar months that end with the one holding `now`. */
export function trailingMonths(now: Date, count: number): string[] {
  const months: string[] = [];
  let month = monthOf(now.toISOString().slice(0, 10)).first;
  for (let i = 0; i < count; i++) {
    months.unshift(month);
    month = monthOf(new Date(Date.parse(`${month}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)).first;
  }
  return months;
}

export async function refreshReports(ctx: CycleContext, refresh: ReportRefresh, now: Date): Promise<void> {
  const { db, lease } = ctx;
  const months = trailingMonths(now, refresh.months ?? REPORT_DEFAULTS.syncTrailingMonths);
  for (const name of refresh.reports) {
    const report = getReport(name);
    for (const month of months) {
      await readReportWindow({
        qbo: ctx.qbo,
        month,
        realmId: lease.realmId,
        report,
        accountingMethod: refresh.accountingMethod,
        log: ctx.log,
        commit: (stored, requests) =>
          commitCycleStep(db, lease, async (trx) => {
            const rows = await replaceReport(trx, stored);
            // A report is read whole each time: its rows count as upserted, under its name.
            await addEntityCounts(trx, lease.cycleId, name, {
              method: 'reread',
              upserted: rows,
              deleted: 0,
              requests,
            });
            await addCycleRequests(trx, lease.cycleId, requests);
            return rows;
          }),
      });
    }
  }
}
