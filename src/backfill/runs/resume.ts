import type { JobsOptions, Queue } from 'bullmq';
import type { Db } from '../../infra/db.js';
import type { WindowJobData } from '../../infra/queue.js';
import {
  getRun,
  getWindowCovering,
  isLiveRunStatus,
  OPEN_WINDOW_STATUSES,
  reopenRun,
  RESUMABLE_RUN_STATUSES,
  RETRYABLE_RUN_STATUSES,
  requeueUnfinishedWindows,
  requeueWindow,
} from '../state/index.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { planDays } from '../plan/dates.js';
import { addPendingJobs } from '../plan/enqueue.js';

export interface ResumeResult {
  runId: string;
  /** Windows that were failed, skipped or cancelled (or had lost their job) and are queued again. */
  requeued: number;
  /** Windows still pending whose jobs were checked (re-added if missing). */
  pending: number;
}

/** BullMQ states of a job that will never run the window (again) by itself. */
const DEAD_JOB_STATES = ['missing', 'unknown', 'failed', 'completed'];

/**
 * Queues again every window of a run that has not succeeded. Failed windows keep their committed
 * pages and resume after them; each gets a new job id (next generation) so BullMQ runs it again.
 * A failed, halted or cancelled run is reopened; a live one stays as it is (its lost windows are
 * queued again); a succeeded one has nothing to resume (a UsageError says so, nothing changes).
 */
export async function resumeRun(
  db: Db,
  queue: Queue<WindowJobData>,
  runId: string,
  jobOptions?: JobsOptions,
): Promise<ResumeResult> {
  const run = await getRun(db, runId);
  if (!run) throw new UsageError(`--run: no run ${quoteInput(runId)}`);
  if (run.status === 'succeeded') throw new UsageError(`run ${runId} already succeeded: nothing to resume`);
  // A live run stays as it is (a scheduled one waits for its start); an ended one runs again.
  if (!isLiveRunStatus(run.status) && !(await reopenRun(db, runId, RESUMABLE_RUN_STATUSES))) {
    const now = await getRun(db, runId);
    throw new UsageError(`run ${runId} is ${now?.status ?? 'gone'} now: nothing to resume`);
  }
  // Windows left pending or running without a live job (a worker died while recording a final
  // failure, a job was removed by hand) would otherwise wait forever: they are queued again too.
  const orphaned: { entity: string; day: string }[] = [];
  const open = await db
    .selectFrom('ops.windows')
    .select(['entity', 'day', 'job_id'])
    .where('run_id', '=', runId)
    .where('status', 'in', OPEN_WINDOW_STATUSES)
    .execute();
  for (const w of open) {
    const job = w.job_id ? await queue.getJob(w.job_id) : undefined;
    const state = job ? await job.getState() : 'missing';
    if (DEAD_JOB_STATES.includes(state)) orphaned.push({ entity: w.entity, day: w.day });
  }
  const requeued = await requeueUnfinishedWindows(db, runId, orphaned);
  const pending = await addPendingJobs(db, queue, run, new Date(), undefined, jobOptions);
  return { runId, requeued: requeued.length, pending };
}

/**
 * Runs one window again, whatever it ended as; a succeeded window is read again from page one, and
 * its run, whatever it ended as, runs again until the window has. A running window is refused (a
 * UsageError, nothing changes): its job is reading it now.
 */
export async function retryWindow(
  db: Db,
  queue: Queue<WindowJobData>,
  runId: string,
  entity: string,
  day: string,
  jobOptions?: JobsOptions,
): Promise<{ jobId: string; span?: [string, string] }> {
  const run = await getRun(db, runId);
  if (!run) throw new UsageError(`--run: no run ${quoteInput(runId)}`);
  // The window that reads the day: the day's own, or (adaptive plans) the span or part holding it.
  const window = await getWindowCovering(db, { runId, entity, day });
  if (!window) throw new UsageError(`run ${runId} has no window ${entity} ${day}`);
  const key = { runId, entity, day: window.day };
  const running = () =>
    new UsageError(`window ${entity} ${day} of run ${runId} is running: nothing to retry`);
  if (window.status === 'running') throw running();
  if (window.status === 'pending') {
    const existing = window.job_id ? await queue.getJob(window.job_id) : undefined;
    if (existing) return { jobId: existing.id ?? window.job_id ?? '' };
  }
  // The window and its run in one transaction: when the run cannot run again (another live run of
  // the same backfill), the window is left as it was instead of pending in an ended run, jobless.
  const jobId = await db.transaction().execute(async (trx) => {
    const requeued = await requeueWindow(trx, key, window.generation, window.status === 'succeeded');
    if (requeued !== undefined && !isLiveRunStatus(run.status))
      await reopenRun(trx, runId, RETRYABLE_RUN_STATUSES);
    return requeued;
  });
  // A job took the window (or someone requeued it) since it was read: nothing was changed.
  if (jobId === undefined) throw running();
  await addPendingJobs(db, queue, run, new Date(), undefined, jobOptions);
  const span = planDays(window.window_start_utc, window.window_end_utc);
  return {
    jobId,
    ...(span.length > 1 ? { span: [span[0]?.day ?? day, span[span.length - 1]?.day ?? day] } : {}),
  };
}
