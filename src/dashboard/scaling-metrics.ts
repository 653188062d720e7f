/**
 * What an autoscaler reads to size the workers (KEDA's Prometheus scaler on Kubernetes, see
 * deploy/kubernetes/worker-scaledobject.yaml): the queues' backlog, and how many job slots QBO's
 * limits leave useful.
 *
 * A scaler that counts one Redis list undercounts BullMQ: only waiting jobs are in the `wait` list;
 * prioritized jobs and delayed ones (a retry's backoff, a window that gave its slot back while its
 * realm's budget was booked, a job waiting for a store) are in sorted sets. The backlog here counts
 * all three, but a delayed job only when it is due within {@link BACKLOG_HORIZON_MS}: a backfill
 * enqueued with `--start-at` tomorrow must not keep workers up, idle, until then.
 *
 * A window job makes one QBO request at a time, and QBO lets a realm have 10 in flight
 * (`QBO_MAX_CONCURRENT`): past realms x 10 job slots more workers only wait for the same budgets.
 */
import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { withTimeout } from '../infra/with-timeout.js';
import { LIVE_RUN_STATUSES } from '../model/statuses.js';

/**
 * Delayed jobs due within this count as backlog: about what a new worker takes to be scheduled,
 * pulled and started, so that workers are up when a delayed run begins. @defaultValue 5 minutes
 */
export const BACKLOG_HORIZON_MS = 5 * 60_000;

/** A source gets this long per scrape, like the other gauges. */
const READ_TIMEOUT_MS = 3_000;

/** Jobs that need a worker now or within the horizon: waiting, prioritized, and delayed until soon. */
export async function queueBacklog(queue: Queue, nowMs: number): Promise<number> {
  const [ready, due] = await Promise.all([
    queue.getJobCountByTypes('waiting', 'prioritized'),
    queue.getDelayedCount(nowMs + BACKLOG_HORIZON_MS),
  ]);
  return ready + due;
}

/** Realms with a backfill run scheduled or running. */
export async function busyRealms(db: Db): Promise<number> {
  const row = await db
    .selectFrom('ops.runs')
    .select((eb) => eb.fn.count<number>('realm_id').distinct().as('n'))
    .where('status', 'in', LIVE_RUN_STATUSES)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface ScalingSources {
  /** The queues whose backlog is exported, by their BullMQ name (the `queue` label). */
  queues: Queue[];
  db: Db;
  /** `QBO_MAX_CONCURRENT`: requests of one realm in flight, cluster-wide. */
  maxConcurrent: number;
  log: Logger;
  /** The clock the horizon is counted from. Default: the system clock. */
  now?: () => Date;
}

/** Registers `qbo_backfill_queue_backlog{queue}` and `qbo_backfill_useful_job_slots`. */
export function registerScalingMetrics(registry: Registry, sources: ScalingSources): void {
  const { queues, db, maxConcurrent, log, now = () => new Date() } = sources;
  new Gauge({
    name: 'qbo_backfill_queue_backlog',
    help: `Jobs that need a worker: waiting, prioritized, and delayed until within ${BACKLOG_HORIZON_MS / 60_000} minutes (what to scale the workers on)`,
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      const at = now().getTime();
      await Promise.all(
        queues.map(async (queue) => {
          try {
            this.set(
              { queue: queue.name },
              await withTimeout(queueBacklog(queue, at), READ_TIMEOUT_MS, 'redis'),
            );
          } catch (err) {
            log.warn(
              { err, queue: queue.name },
              'metrics: cannot read the queue backlog from Redis this scrape',
            );
          }
        }),
      );
    },
  });
  new Gauge({
    name: 'qbo_backfill_useful_job_slots',
    help: 'Window jobs that can run at once before QBO limits them: realms with a live backfill run x QBO_MAX_CONCURRENT (more worker slots only wait)',
    registers: [registry],
    async collect() {
      this.reset();
      try {
        this.set((await withTimeout(busyRealms(db), READ_TIMEOUT_MS, 'postgres')) * maxConcurrent);
      } catch (err) {
        log.warn({ err }, 'metrics: cannot read the live runs from PostgreSQL this scrape');
      }
    },
  });
}
