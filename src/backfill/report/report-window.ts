/**
 * A report window's job, between its start and its end (processWindow owns both): the run's
 * accounting method, the read, and the window's counters. The same queue, budget, retries and
 * leases as an entity's window; only what is read differs.
 */
import type { Job } from 'bullmq';
import type { Logger } from '../../infra/logger.js';
import type { WindowJobData } from '../../infra/queue.js';
import { REPORT_DEFAULTS, type ReportDefinition } from '../../model/reports.js';
import {
  commitReportPart,
  getRun,
  LeaseLostError,
  setReportWindowCounts,
  type WindowAttempt,
} from '../state/index.js';
import type { WindowProcessorOptions } from '../window/types.js';
import { releaseJob } from '../window/job-release.js';
import { stopForRun, stoppedRun, type StoppedOutcome } from '../window/window-stop.js';
import { readReportWindow, type ReportReadResult } from './report-read.js';

export async function runReportWindow(
  job: Job<WindowJobData>,
  token: string | undefined,
  attempt: WindowAttempt,
  report: ReportDefinition,
  options: WindowProcessorOptions,
  log: Logger,
): Promise<ReportReadResult | StoppedOutcome> {
  const { db } = options;
  const run = await getRun(db, attempt.runId);
  const stop = run && stopForRun(run.status, run.status_reason);
  if (stop) return stop;
  try {
    const result = await readReportWindow({
      qbo: options.qbo,
      month: attempt.day,
      commit: (stored, requests) => commitReportPart(db, attempt, stored, requests),
      realmId: job.data.realmId,
      report,
      accountingMethod: run?.accounting_method ?? REPORT_DEFAULTS.accountingMethod,
      log,
      // Shutdown: what is committed stays; the job goes back to the queue without losing an attempt.
      checkStop: async () => {
        if (options.signal?.aborted) await releaseJob(job, token, 1_000, undefined, true);
      },
    });
    await setReportWindowCounts(db, attempt);
    return result;
  } catch (err) {
    // Refused: another attempt holds the window, or its run was cancelled or halted meanwhile.
    if (err instanceof LeaseLostError) {
      const stopped = await stoppedRun(db, attempt);
      if (stopped) return stopped;
    }
    throw err;
  }
}
