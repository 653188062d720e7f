import { Job, Worker } from 'bullmq';
import { sql } from 'kysely';
import type { Config } from '../config/config.js';
import { withTimeout } from '../infra/with-timeout.js';
import { StoreHealth } from '../infra/store-outage.js';
import { openDb, type Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { redisMetrics } from '../infra/cluster-metrics.js';
import { addPendingJobs } from '../backfill/plan/enqueue.js';
import { windowJobOptions, type JobOrder } from '../backfill/plan/job-options.js';
import { getRun } from '../backfill/state/index.js';
import { createQueue, QUEUE_NAME, type WindowJobData } from '../infra/queue.js';
import { createRedis, queueKeyPrefix, redisAddress } from '../infra/redis.js';
import { AccessTokenProvider } from '../qbo/auth/access-tokens.js';
import { appCredentials, initialRefreshTokenOptions } from '../qbo/auth/access-token-options.js';
import { QboClient, type QboClientOptions } from '../qbo/qbo-client.js';
import { applyBottleneckRedis7Patch } from '../qbo/rate-limit/bottleneck-redis7.js';
import { RealmRateLimiter, type RateLimiterOptions } from '../qbo/rate-limit/rate-limiter.js';
import { limiterOptions } from '../qbo/rate-limit/limiter-options.js';
import { processWindow } from '../backfill/window/window-job.js';
import type { WindowOutcome, WindowProcessorOptions } from '../backfill/window/types.js';
import { SYNC_QUEUE_NAME, type SyncCycleJobData, type SyncCycleSummary } from '../sync/sync-queue.js';
import { processSyncCycle, type SyncCycleOptions } from '../sync/sync-cycle.js';

/** Defaults of a worker process, declared once. */
export const WORKER_DEFAULTS = Object.freeze({
  /** Window jobs run at once; the realm's shared budget bounds QBO load anyway. @defaultValue 4 */
  concurrency: 4,
  /** Sync cycles run at once (each holds one realm). @defaultValue 2 */
  syncConcurrency: 2,
  /** How long shutdown waits for jobs to release before it forces them. @defaultValue 30000 */
  shutdownTimeoutMs: 30_000,
  /** BullMQ's job lock, and how often lapsed locks are looked for. @defaultValue 30000 */
  lockDurationMs: 30_000,
});

/** How long shutdown waits for each step after the jobs (closing the limiter, the pool...). */
const STEP_TIMEOUT_MS = 5_000;
/** A job whose worker died is picked up again this many times (it resumes after its committed pages). */
const MAX_STALLED_COUNT = 3;
/** While Redis refuses the metrics' flushes, one warning in this long. */
const METRICS_WARN_EVERY_MS = 60_000;

export interface WorkerProcessOptions {
  config: Config;
  logger: Logger;
  /** Window jobs run at once in this process. See {@link WORKER_DEFAULTS.concurrency}. */
  concurrency?: number;
  /** How long shutdown waits for jobs to release before it forces them. See {@link WORKER_DEFAULTS.shutdownTimeoutMs}. */
  shutdownTimeoutMs?: number;
  /** Overrides for the QBO client (backoff settings; tests shrink them). */
  client?: Partial<
    Pick<
      QboClientOptions,
      'serverBackoff' | 'throttleBackoff' | 'maxAttempts' | 'timeoutMs' | 'throttleGiveUpMs'
    >
  >;
  /** Overrides for the shared limiter (tests shrink the window). */
  limiter?: Partial<
    Pick<
      RateLimiterOptions,
      | 'windowMs'
      | 'heartbeatIntervalMs'
      | 'clientTimeoutMs'
      | 'expirationMs'
      | 'idleMs'
      | 'startLagAllowanceMs'
    >
  >;
  window?: Partial<
    Pick<WindowProcessorOptions, 'breakerThreshold' | 'maxRereadPasses' | 'releaseAfterWaitMs'>
  >;
  /** Overrides for sync cycles (tests shrink the mark's margin). */
  sync?: Partial<Pick<SyncCycleOptions, 'markMarginMs' | 'busyRetryMs'>>;
  /**
   * Sync cycles run at once in this process (each holds one realm, and reads it through the same
   * shared budget as the window jobs). See {@link WORKER_DEFAULTS.syncConcurrency}.
   */
  syncConcurrency?: number;
  /**
   * BullMQ's job lock, and how often lapsed locks are looked for: a crashed worker's job is picked
   * up again after about twice this. See {@link WORKER_DEFAULTS.lockDurationMs}.
   */
  lockDurationMs?: number;
}

export interface RunningWorker {
  /** Stops taking jobs, releases the current ones after their page, closes everything. Safe to call twice. */
  close(): Promise<void>;
  /** Resolves once the worker has closed. */
  readonly closed: Promise<void>;
  readonly db: Db;
}

/** One worker process: a BullMQ worker that runs window jobs against QBO through the shared budget. */
export function startWorker(options: WorkerProcessOptions): RunningWorker {
  const { config, logger } = options;
  // The shared budget's Bottleneck needs its Redis 7 fix before any limiter exists (idempotent).
  applyBottleneckRedis7Patch();
  const credentials = appCredentials(config);

  const concurrency = options.concurrency ?? WORKER_DEFAULTS.concurrency;
  const lockDurationMs = options.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs;
  /** The lock options of both workers (window jobs and sync cycles). */
  const locks = {
    lockDuration: lockDurationMs,
    // A job whose lock lapsed (its worker died, or lost Redis meanwhile) is looked for as often
    // as a lock lasts: BullMQ's own 30 s would leave a short lock waiting that long.
    stalledInterval: lockDurationMs,
    maxStalledCount: MAX_STALLED_COUNT,
  };
  const db = openDb(config, { max: concurrency + 3, applicationName: 'qbo-backfill-worker' });
  const shutdown = new AbortController();
  const limiter = new RealmRateLimiter({ ...limiterOptions(config, logger), ...options.limiter });
  // Counters go to the cluster's Redis, so the dashboard can export sums over every worker.
  const metricsRedis = createRedis(config);
  metricsRedis.on('error', () => undefined);
  let metricsFailing = false;
  const metrics = redisMetrics(metricsRedis, {
    prefix: config.queuePrefix,
    onFlushError: (err) => {
      if (metricsFailing) return;
      metricsFailing = true;
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'metrics: cannot reach Redis; keeping counts until it is back',
      );
      setTimeout(() => (metricsFailing = false), METRICS_WARN_EVERY_MS).unref();
    },
  });
  const tokens = new AccessTokenProvider({
    db,
    metrics,
    tokenUrl: config.qbo.tokenUrl,
    ...credentials,
    ...initialRefreshTokenOptions(config),
    logger,
  });
  const qbo = new QboClient({
    baseUrl: config.qbo.baseUrl,
    scheduler: limiter,
    tokens,
    logger,
    signal: shutdown.signal,
    maxAttempts: config.qbo.requestAttempts,
    metrics,
    ...options.client,
  });
  const connection = createRedis(config, { forWorker: true });
  // For the windows a retried failed job requeues when it reopens its halted run, and to promote
  // the jobs that waited for a store once it is back.
  const queue = createQueue(metricsRedis, config.queuePrefix);
  queue.on('error', () => undefined);
  const health = new StoreHealth(logger, undefined, {
    probes: { postgres: () => sql`select 1`.execute(db) },
    onBack: (store, jobIds) => void promoteParked(queue, jobIds, store, logger),
    urls: { postgres: config.databaseUrl, redis: redisAddress(config) },
  });
  const addJobs = async (runId: string, order: JobOrder) => {
    const run = await getRun(db, runId);
    if (run)
      await addPendingJobs(db, queue, run, new Date(), undefined, windowJobOptions(config.windowJobs), order);
  };
  // ioredis reconnects by itself, forever, with its capped backoff; 'ready' says Redis is back.
  connection.on('ready', () => health.up('redis'));
  // Commands wait in ioredis's queue while Redis is away, so no job may fail to tell of it: the
  // connection closing is the outage's first sign (one line, however many reconnects fail).
  connection.on('close', () => {
    if (!closing) health.down('redis', new Error('the connection to Redis closed'));
  });
  const worker = new Worker<WindowJobData, WindowOutcome>(
    QUEUE_NAME,
    (job, token) =>
      processWindow(job, token, {
        db,
        qbo,
        logger,
        metrics,
        addPendingJobs: addJobs,
        signal: shutdown.signal,
        budget: limiter,
        health,
        maxBegunWindows: config.maxConcurrent,
        ...options.window,
      }),
    {
      connection,
      prefix: queueKeyPrefix(connection, config.queuePrefix, QUEUE_NAME),
      concurrency,
      ...locks,
    },
  );
  // Sync cycles: a queue of their own, so a long backfill never keeps a realm's cycle waiting.
  const syncConnection = createRedis(config, { forWorker: true });
  const syncWorker = new Worker<SyncCycleJobData, SyncCycleSummary>(
    SYNC_QUEUE_NAME,
    (job, token) => processSyncCycle(job, token, { db, qbo, logger, metrics, ...options.sync }),
    {
      connection: syncConnection,
      prefix: queueKeyPrefix(syncConnection, config.queuePrefix, SYNC_QUEUE_NAME),
      concurrency: options.syncConcurrency ?? WORKER_DEFAULTS.syncConcurrency,
      ...locks,
    },
  );
  syncWorker.on('error', (err) => logger.error({ err: err.message }, 'sync worker error'));
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, err }, 'job failed'));
  worker.on('error', (err) => {
    // Every reconnect attempt of an outage reports an error: the health logs the outage once.
    const store = health.storeOf(err) ?? (connection.status === 'ready' ? undefined : 'redis');
    if (store) health.down(store, err);
    else logger.error({ err: err.message }, 'worker error');
  });
  logger.info({ concurrency, queue: QUEUE_NAME, prefix: config.queuePrefix }, 'worker started');

  /** Waits for one shutdown step, at most STEP_TIMEOUT_MS; a step that does not end is logged and left. */
  const bounded = (step: Promise<unknown>, what: string) =>
    withTimeout(step, STEP_TIMEOUT_MS, what).then(
      () => undefined,
      (err: unknown) =>
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'shutdown step abandoned'),
    );
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const close = () => {
    closing ??= (async () => {
      logger.info('worker shutting down: releasing current jobs after their page');
      shutdown.abort(new Error('worker shutting down'));
      const timeoutMs = options.shutdownTimeoutMs ?? WORKER_DEFAULTS.shutdownTimeoutMs;
      const graceful = await withTimeout(
        Promise.all([worker.close(), syncWorker.close()]),
        timeoutMs,
        'worker close',
      ).then(
        () => true,
        () => false,
      );
      if (!graceful) {
        logger.warn(
          { timeoutMs },
          'jobs did not release in time; forcing the worker closed (their locks will expire)',
        );
        await bounded(Promise.all([worker.close(true), syncWorker.close(true)]), 'worker force close');
      }
      health.close();
      // Each step is bounded: a store that went away during shutdown must not keep the process
      // alive (a pool ends only when its clients are back; a flush waits for Redis).
      await Promise.all([
        bounded(limiter.close(), 'rate limiter close'),
        bounded(tokens.close(), 'token provider close'),
      ]);
      await bounded(metrics.close(), 'metrics flush');
      await bounded(queue.close(), 'queue close');
      metricsRedis.disconnect();
      connection.disconnect();
      syncConnection.disconnect();
      await bounded(db.destroy(), 'database pool close');
      logger.info('worker stopped');
      resolveClosed();
    })();
    return closing;
  };
  return { close, closed, db };
}

/**
 * Jobs that waited in the delayed set for a store run again now that it is back, instead of
 * sitting out delays that grew during the outage. A job another process already took, or that
 * is no longer delayed, is left as it is.
 */
async function promoteParked(
  queue: ReturnType<typeof createQueue>,
  jobIds: string[],
  store: string,
  logger: Logger,
): Promise<void> {
  let promoted = 0;
  for (const id of jobIds) {
    const job = await Job.fromId(queue, id).catch(() => undefined);
    if (!job) continue;
    if (
      await job.promote().then(
        () => true,
        () => false,
      )
    )
      promoted++;
  }
  logger.debug({ store, parked: jobIds.length, promoted }, 'jobs that waited for the store run again');
}
