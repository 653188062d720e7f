/**
 * The sync queue: one BullMQ queue of sync cycles, apart from the backfill's window jobs so that a
 * long backfill never delays a cycle (and a cycle never takes a window job's slot). A cycle is one
 * job per realm; who asks for it (`sync --once`, a job scheduler, a webhook) is in its data.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { queueKeyPrefix } from '../infra/redis.js';

export const SYNC_QUEUE_NAME = 'sync-cycles';

/** Why a cycle runs: `sync --once`, the realm's job scheduler (`sync --every`), or Intuit's webhook. */
export type SyncTrigger = 'once' | 'schedule' | 'webhook';

export const SYNC_TRIGGERS: readonly SyncTrigger[] = ['once', 'schedule', 'webhook'];

/** A sync cycle's job data. Never a secret. */
export interface SyncCycleJobData {
  realmId: string;
  /** Entity names to sync; null: every entity the realm has a mark for (or raw rows, or a backfill). */
  entities: string[] | null;
  trigger: SyncTrigger;
  /**
   * How often the entities CDC leaves out are re-read whole and compared by id; a `once` cycle
   * re-reads them whatever this says. See {@link SYNC_DEFAULTS.rereadEveryMs}.
   */
  rereadEveryMs: number;
  /** `sync --reports`: reports refreshed for the trailing months; absent: none. */
  reports?: { names: string[]; accountingMethod: string; months: number };
}

/** What one entity's sync did in a cycle. */
export interface EntitySyncCounts {
  /** Records inserted or replaced by a newer version (restores included). */
  upserted: number;
  /** Records newly marked deleted (`deleted_at_utc` set). */
  deleted: number;
  /** QBO requests made for this entity alone (a CDC request shared by every entity counts apart). */
  requests: number;
  /** How it was read: `cdc`, `reread` (whole, compared by id), or `none` (not due). */
  method: 'cdc' | 'reread' | 'none';
}

/** A finished cycle, as `sync --once` prints it and the job returns it. */
export interface SyncCycleSummary {
  realmId: string;
  cycleId: string;
  /** `skipped`: another cycle of the realm was running, and covers what this one would have read. */
  status: 'succeeded' | 'skipped';
  entities: Record<string, EntitySyncCounts>;
  /** `sync --reports`: rows stored and requests per report (every trailing month together). */
  reports?: Record<string, { rows: number; requests: number }>;
  /** Every QBO request of the cycle. */
  requests: number;
}

/** Defaults of sync, declared once. */
export const SYNC_DEFAULTS = Object.freeze({
  /**
   * The entities CDC leaves out (TimeActivity, TaxAgency, TaxCode, TaxRate) are re-read whole this
   * often by scheduled and webhook cycles. @defaultValue 6 hours
   */
  rereadEveryMs: 6 * 3_600_000,
  /**
   * Notifications for one realm within this many ms make one cycle (Intuit sends several per
   * change burst, and production aggregates over minutes anyway). @defaultValue 5000
   */
  webhookDebounceMs: 5_000,
  /**
   * How far before a read's instant a mark is set, and a backfill's hand-over too: QBO stamps
   * LastUpdatedTime to the second, and a change committing while QBO answered may carry an earlier
   * stamp than the answer. The next cycle reads that margin again; its records are the same
   * versions, counted as unchanged. @defaultValue 60000
   */
  markMarginMs: 60_000,
  /** How long a `once` or webhook cycle that finds its realm busy waits before it tries again. @defaultValue 2000 */
  busyRetryMs: 2_000,
});

/** The job scheduler of a realm's `sync --every` (BullMQ forbids `:` in ids). */
export function syncSchedulerId(realmId: string): string {
  return `sync.${realmId}`;
}

export function createSyncQueue(
  connection: ConnectionOptions,
  prefix: string,
): Queue<SyncCycleJobData, SyncCycleSummary> {
  return new Queue<SyncCycleJobData, SyncCycleSummary>(SYNC_QUEUE_NAME, {
    connection,
    prefix: queueKeyPrefix(connection, prefix, SYNC_QUEUE_NAME),
  });
}

/** Finished cycles kept in Redis for Bull Board (ops.sync_cycles keeps every cycle's counts). */
// No stacks in the jobs: Bull Board shows the message, the worker's log keeps the stack.
const KEEP = { removeOnComplete: { count: 200 }, removeOnFail: { count: 200 }, stackTraceLimit: 0 } as const;

/** Job options of every cycle: one attempt after a crash is BullMQ's stalled retry, not a failure. */
export function syncJobOptions() {
  return { ...KEEP, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } } as const;
}

/**
 * Enqueues a webhook's cycle for a realm, debounced: while one is waiting out its delay, more
 * notifications for the realm add nothing (BullMQ deduplication with a ttl of the delay). One that
 * arrives while a cycle runs makes the next one, so a change the running cycle read too early to
 * see is not left for the schedule. Returns the id of the job that will run the cycle (an older
 * one's when the notification was folded into it).
 */
export async function requestWebhookCycle(
  queue: Queue<SyncCycleJobData, SyncCycleSummary>,
  realmId: string,
  debounceMs: number = SYNC_DEFAULTS.webhookDebounceMs,
): Promise<string | undefined> {
  const data: SyncCycleJobData = {
    realmId,
    entities: null,
    trigger: 'webhook',
    rereadEveryMs: SYNC_DEFAULTS.rereadEveryMs,
  };
  const job = await queue.add('sync-cycle', data, {
    ...syncJobOptions(),
    delay: debounceMs,
    deduplication: { id: `webhook.${realmId}`, ttl: Math.max(1, debounceMs) },
  });
  return job.id;
}
