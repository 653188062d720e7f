import type { Job } from 'bullmq';
import { ReleaseJobError } from '../../model/errors/index.js';
import type { Logger } from '../../infra/logger.js';
import type { WindowJobData } from '../../infra/queue.js';
import { begunWindowsOfRealm } from '../state/index.js';
import { WINDOW_DEFAULTS, type WindowProcessorOptions } from './types.js';

/**
 * Thrown once a job moved itself back to the queue (on shutdown, or to wait out its realm's
 * budget); BullMQ keeps it without using up an attempt. What it committed stays:
 * the window job's failure path sets the window back to pending (fenced to the job's lease), and
 * the next run of the job resumes after the last committed page.
 */
export class JobReleasedError extends ReleaseJobError {}

/**
 * The priority a window job takes once its window has begun (a page read): that of every realm's
 * first window (fairPriority ranks from 1), ahead of its realm's windows not begun yet.
 */
export const BEGUN_PRIORITY = 1;

/**
 * Moves the job to the delayed set for `delayMs`, then throws JobReleasedError. A job whose window
 * has `begun` comes back ahead of the windows its realm has not begun: otherwise, while the begun
 * ones waited for the budget, free slots began the next windows one after another, and a realm
 * had dozens of windows half read (each a day of the source that QBO, or the emulator, had to
 * page into again later) where a few would keep its budget full.
 */
export async function releaseJob(
  job: Job<WindowJobData>,
  token: string | undefined,
  delayMs: number,
  reason?: string,
  begun = false,
): Promise<never> {
  if (begun && Number(job.priority) !== BEGUN_PRIORITY)
    await job.changePriority({ priority: BEGUN_PRIORITY });
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new JobReleasedError(reason);
}

/**
 * Before each request of a window job: when its realm's budget is booked further ahead than
 * `releaseAfterWaitMs`, the job goes back to the delayed set until that wait is over and throws
 * JobReleasedError. QBO's budget is per realm: a slot waiting on a spent realm does nothing while
 * windows of other realms, with budget to spare, wait for a slot. Asked before a window starts and
 * again before each of its later pages, so a window with many pages hands its slot back between
 * them instead of holding it while it waits (ten realms of such windows otherwise got the
 * throughput of one).
 *
 * A window not begun yet begins only when its realm's budget has room at once (nothing booked
 * ahead), and otherwise comes back after `beginRetryMs` at least: the windows a realm has begun
 * keep its budget busy, and a new one begins when they leave a gap. Begun at any wait under
 * `releaseAfterWaitMs`, a realm of many windows (a dense entity split into days) began a new one
 * at nearly every page, and had a hundred half read within minutes. Nor does one begin while the
 * realm has `maxBegunWindows` begun and not ended.
 */
export async function releaseIfRealmBusy(
  job: Job<WindowJobData>,
  token: string | undefined,
  options: Pick<
    WindowProcessorOptions,
    'db' | 'budget' | 'releaseAfterWaitMs' | 'beginRetryMs' | 'maxBegunWindows'
  >,
  log: Logger,
  /** Whether the window has begun (a page committed): see releaseJob. */
  begun: boolean,
): Promise<void> {
  if (!options.budget) return;
  const { realmId } = job.data;
  const allowed = begun ? (options.releaseAfterWaitMs ?? WINDOW_DEFAULTS.releaseAfterWaitMs) : 0;
  const wait = await options.budget.expectedWaitMs(realmId, allowed);
  const retryMs = options.beginRetryMs ?? WINDOW_DEFAULTS.beginRetryMs;
  if (wait > allowed) {
    log.debug({ waitMs: wait, begun }, "realm's budget is booked ahead: job back to the queue");
    const delay = begun ? wait : Math.max(wait, retryMs);
    await releaseJob(job, token, delay, `realm ${realmId} budget booked ${wait} ms ahead`, begun);
  }
  if (begun || options.maxBegunWindows === undefined) return;
  const open = await begunWindowsOfRealm(options.db, realmId);
  if (open < options.maxBegunWindows) return;
  log.debug({ begunWindows: open }, 'realm has its windows begun: job back to the queue');
  await releaseJob(job, token, retryMs, `realm ${realmId} has ${open} windows begun`);
}
