import type { JobsOptions, Queue } from 'bullmq';
import { CONFIG_DEFAULTS } from '../../config/config.js';
import { windowJobId, type WindowJobData } from '../../infra/queue.js';

/**
 * Job-level retries: for failures left after the QBO client's own request retries (5xx, network)
 * and for database or Redis trouble. Each retry resumes from the window's last committed page.
 */
export function windowJobOptions(settings: { attempts: number; backoffMs: number }): JobsOptions {
  return {
    attempts: settings.attempts,
    backoff: { type: 'exponential', delay: settings.backoffMs, jitter: 0.5 },
    // Bull Board keeps showing finished jobs for a week; ops.windows keeps them for good.
    removeOnComplete: { age: 7 * 86_400, count: 100_000 },
    removeOnFail: { age: 30 * 86_400 },
    // Bull Board shows the failure's message, which names what to do next; a stack of the
    // worker's files would bury it. The worker's log line keeps the stack.
    stackTraceLimit: 0,
  };
}

/** The window jobs' options at the defaults of `WINDOW_ATTEMPTS` and `WINDOW_BACKOFF_MS`. */
export const WINDOW_JOB_OPTIONS: JobsOptions = windowJobOptions({
  attempts: CONFIG_DEFAULTS.windowAttempts,
  backoffMs: CONFIG_DEFAULTS.windowBackoffMs,
});

export interface WindowToEnqueue {
  runId: string;
  realmId: string;
  entity: string;
  day: string;
  start: Date;
  end: Date;
  pageSize: number;
  generation: number;
}

/** BullMQ's highest (least urgent) job priority: 2^21 - 1. */
export const MAX_JOB_PRIORITY = 2_097_151;

/**
 * The priority of a realm's k-th window job (k from 0): 1 + k, capped at BullMQ's maximum.
 *
 * Every realm's jobs count from 1, so the queue hands out realms round-robin: each realm's first
 * window, then each realm's second, and so on. QBO's budget is per realm, so a worker slot is only
 * useful on a realm whose budget is not spent; in plain queue order a realm enqueued first would
 * take every slot while the others' budgets went unused. A realm enqueued later starts at 1 too and
 * so interleaves with the windows earlier realms have left, instead of waiting behind all of them.
 */
export function fairPriority(k: number): number {
  return Math.min(1 + k, MAX_JOB_PRIORITY);
}

/**
 * Where new window jobs go: `fair`, ranked among their realm's windows (a new run, the parts of a
 * window that split); `first`, ahead of every ranked job (windows an operator resumed or retried).
 */
export type JobOrder = 'fair' | 'first';

/**
 * Adds window jobs in bulk, delayed until `startAt`. Job ids are deterministic, so adding a
 * window whose job still exists is a no-op in BullMQ: re-running enqueue cannot duplicate work.
 * With `order` `fair` (a new run) each job's priority is its rank among the windows of its realm
 * in this call ({@link fairPriority}); with `first` (windows an operator resumed or retried) the
 * jobs have no priority, which BullMQ serves before every prioritized job.
 *
 * A job that waited for its realm's budget (job-release.ts) comes back at its own priority, ahead
 * of its realm's windows ranked after it. A job without one would come back behind every window
 * of the queue: the parts of a dense window then started one after another while the ones already
 * begun waited, each holding a day of the source half read (the emulator regenerated days it had
 * dropped for them, and a realm of three entities reached half its budget).
 */
export async function addWindowJobs(
  queue: Queue<WindowJobData>,
  windows: WindowToEnqueue[],
  startAt: Date,
  now = new Date(),
  jobOptions: JobsOptions = WINDOW_JOB_OPTIONS,
  order: JobOrder = 'fair',
): Promise<void> {
  const delay = Math.max(0, startAt.getTime() - now.getTime());
  const rank = new Map<string, number>();
  const priorities = windows.map((w) => {
    const k = rank.get(w.realmId) ?? 0;
    rank.set(w.realmId, k + 1);
    return fairPriority(k);
  });
  for (let i = 0; i < windows.length; i += 1000) {
    await queue.addBulk(
      windows.slice(i, i + 1000).map((w, j) => ({
        // What Bull Board lists: readable without opening the job.
        name: `${w.entity} ${w.day} realm ${w.realmId}`,
        data: {
          runId: w.runId,
          realmId: w.realmId,
          entity: w.entity,
          day: w.day,
          windowStart: w.start.toISOString(),
          windowEnd: w.end.toISOString(),
          pageSize: w.pageSize,
        },
        opts: {
          ...jobOptions,
          jobId: windowJobId(w.runId, w.entity, w.day, w.generation),
          delay,
          ...(order === 'fair' ? { priority: priorities[i + j] } : {}),
        },
      })),
    );
  }
}
