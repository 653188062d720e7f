import type { Queue } from 'bullmq';
import type { Db } from '../../infra/db.js';
import type { WindowJobData } from '../../infra/queue.js';
import { cancelPendingWindows, getRun, markRunCancelled } from '../state/index.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';

export interface CancelResult {
  runId: string;
  removedJobs: number;
  cancelledWindows: number;
}

/**
 * Cancels a run: marks it cancelled first (so a window that starts meanwhile stops at once), then
 * removes the jobs of windows that have not started. A window already running stops after its
 * current page (its next page does not commit); what it committed stays. A run that has already
 * ended is left as it is: a UsageError names its state.
 */
export async function cancelRun(db: Db, queue: Queue<WindowJobData>, runId: string): Promise<CancelResult> {
  const run = await getRun(db, runId);
  if (!run) throw new UsageError(`--run: no run ${quoteInput(runId)}`);
  const marked = await markRunCancelled(db, runId);
  // Only a live run can be cancelled: one that has ended keeps its end (and its jobs, none left).
  if (!marked?.cancelled)
    throw new UsageError(`run ${runId} already ${marked?.was ?? run.status}: nothing to cancel`);
  const pending = await db
    .selectFrom('ops.windows')
    .select(['entity', 'day', 'job_id'])
    .where('run_id', '=', runId)
    .where('status', '=', 'pending')
    .execute();
  let removedJobs = 0;
  for (const w of pending) {
    if (!w.job_id) continue;
    const job = await queue.getJob(w.job_id);
    // remove() refuses a job that a worker holds (active): that one stops by itself.
    if (job && !(await job.isActive())) {
      await job.remove().then(
        () => removedJobs++,
        () => undefined,
      );
    }
  }
  const cancelledWindows = await cancelPendingWindows(db, runId);
  return { runId, removedJobs, cancelledWindows };
}
