/**
 * A window job's first look: its entity and window, where its read resumes and the lease it may
 * take, or why it has nothing (more) to do (done, superseded, its run halted or cancelled). A
 * failed window whose own job runs again (a retry from the dashboard) is reopened here.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { findEntity, type EntityDefinition } from '../../model/entities.js';
import { findReport, type ReportDefinition } from '../../model/reports.js';
import type { WindowJobData } from '../../infra/queue.js';
import {
  finalizeRunIfDone,
  getWindowAndRun,
  isDoneWindowStatus,
  LeaseLostError,
  reopenForRetriedWindow,
  stopWindow,
  type WindowAttempt,
  type WindowKey,
} from '../state/index.js';
import type { WindowOutcome, WindowProcessorOptions } from './types.js';
import { stopForRun } from './window-stop.js';

/** The job's entity and window, or why the job has nothing (more) to do. */
export async function loadWindow(
  job: Job<WindowJobData>,
  key: WindowKey,
  options: WindowProcessorOptions,
): Promise<
  | {
      /** The window's entity; undefined for a report's window (its month of `report`). */
      entity: EntityDefinition | undefined;
      report: ReportDefinition | undefined;
      from: { page: number; pass: number };
      attempt: WindowAttempt;
      range: { start: Date; end: Date };
      splittable: boolean;
    }
  | WindowOutcome
> {
  const { db } = options;
  const entity = findEntity(key.entity);
  // A report's window is named by the report (PascalCase), never a lowercase entity name.
  const report = entity ? undefined : findReport(key.entity);
  if (!entity && !report)
    throw new UnrecoverableError(`unknown entity ${JSON.stringify(key.entity)} in job data`);
  let found = await getWindowAndRun(db, key);
  const run = found.run;
  if (!run) throw new UnrecoverableError(`run ${key.runId} does not exist`);
  let window = found.window;
  if (!window)
    throw new UnrecoverableError(`window ${key.entity} ${key.day} of run ${key.runId} does not exist`);
  if (isDoneWindowStatus(window.status)) {
    // The job that ended the window may have lost PostgreSQL between the window's update and the
    // run's: whoever sees the window done makes sure the run ends when it was the last one.
    await finalizeRunIfDone(db, key.runId);
    return { status: 'already-done', reason: `window is ${window.status}` };
  }
  // resume/retry gave the window a new job: an older one still queued must not run it a second time.
  if (window.jobId !== null && job.id !== undefined && window.jobId !== job.id) {
    return { status: 'already-done', reason: `superseded by job ${window.jobId}` };
  }
  if (window.status === 'failed') {
    // Its own job runs again (retried from the dashboard): the window is open again at once, even
    // when another retried window reopened the run already, so the run cannot end while this job
    // waits for its realm's budget.
    const requeued = await reopenForRetriedWindow(db, key);
    if (requeued.length > 0) await options.addPendingJobs?.(key.runId, 'first');
    // The run as reopened, and the window's new lease.
    found = await getWindowAndRun(db, key);
    window = found.window ?? window;
  }
  // A job that split its window and died before adding its parts' jobs: add them now (the same
  // job ids, so parts already queued are left as they are).
  if (window.split && window.committedPages === 0 && window.rereadPasses === 0)
    await options.addPendingJobs?.(key.runId, 'fair');
  const attempt: WindowAttempt = { ...key, lease: window.lease };
  const current = found.run ?? run;
  const stop = stopForRun(current.status, current.statusReason);
  if (stop) {
    try {
      await stopWindow(db, attempt, stop, 0);
    } catch (err) {
      // Another job took the window between the load and the stop: it ends it.
      if (err instanceof LeaseLostError) return { status: 'already-done', reason: err.message };
      throw err;
    }
    return stop;
  }
  return {
    entity,
    report,
    from: { page: window.committedPages, pass: window.rereadPasses },
    attempt,
    range: { start: window.start, end: window.end },
    // A window read by time in an adaptive run splits when dense; one read whole never does.
    splittable:
      window.splittable &&
      entity !== undefined &&
      entity.read !== 'whole' &&
      options.addPendingJobs !== undefined,
  };
}
