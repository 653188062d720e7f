import type { Job } from 'bullmq';
import { ReleaseJobError } from '../../model/errors/index.js';
import type { Logger } from '../../infra/logger.js';
import type { WindowJobData } from '../../infra/queue.js';
import { WINDOW_DEFAULTS, type WindowProcessorOptions } from './types.js';

/**
 * Thrown once a job moved itself back to the queue (on shutdown, or to wait out its realm's
 * budget); BullMQ keeps it without using up an attempt. What it committed stays:
 * the window job's failure path sets the window back to pending (fenced to the job's lease), and
 * the next run of the job resumes after the last committed page.
 */
export class JobReleasedError extends ReleaseJobError {}

/** Moves the job to the delayed set for `delayMs`, then throws JobReleasedError. */
export async function releaseJob(
  job: Job<WindowJobData>,
  token: string | undefined,
  delayMs: number,
  reason?: string,
): Promise<never> {
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
 */
export async function releaseIfRealmBusy(
  job: Job<WindowJobData>,
  token: string | undefined,
  options: Pick<WindowProcessorOptions, 'budget' | 'releaseAfterWaitMs'>,
  log: Logger,
): Promise<void> {
  if (!options.budget) return;
  const releaseAfterWaitMs = options.releaseAfterWaitMs ?? WINDOW_DEFAULTS.releaseAfterWaitMs;
  const wait = await options.budget.expectedWaitMs(job.data.realmId, releaseAfterWaitMs);
  if (wait <= releaseAfterWaitMs) return;
  log.debug({ waitMs: wait }, "realm's budget is booked ahead: job back to the queue");
  await releaseJob(job, token, wait, `realm ${job.data.realmId} budget booked ${wait} ms ahead`);
}
