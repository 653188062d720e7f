import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { memo } from './memo.js';
import { readOpsSnapshot, type OpsSnapshot } from './ops-snapshot.js';
import { secondsLeft } from '../qbo/auth/token-health.js';
import { getTokenStatus } from '../qbo/auth/token-store.js';
import { withTimeout } from '../infra/with-timeout.js';
import { lagSeconds } from '../sync/sync-report.js';

/** Queue states exported by `qbo_backfill_queue_jobs`. */
export const QUEUE_STATES = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'prioritized',
  'waiting-children',
] as const;

/** Row kinds exported by `qbo_backfill_rows`, matching the window counters of `report`. */
export const ROW_KINDS = ['fetched', 'inserted', 'updated', 'unchanged', 'skipped'] as const;

/** A source gets this long per scrape; Prometheus' own scrape timeout defaults to 10 s. */
const SOURCE_TIMEOUT_MS = 3_000;
/** Long enough to share one read among the gauges of one scrape, short enough to never look stale. */
const SNAPSHOT_TTL_MS = 1_000;

export interface MetricsSources {
  queue: Queue;
  db: Db;
  log: Logger;
  /** The clock of the token expiry and sync lag gauges. Default: the system clock. */
  now?: () => Date;
}

/**
 * A registry of the dashboard's own (never prom-client's global one, so several dashboards can
 * live in one process, as in tests). Every product gauge is filled on scrape from Redis (job
 * counts) and PostgreSQL (aggregates of `ops.runs` / `ops.windows`, and the sync marks). When one
 * source is down its gauges are left empty for that scrape, `qbo_backfill_source_up{source}` drops
 * to 0, and the other source and the process metrics are still served.
 */
export function createMetricsRegistry({ queue, db, log, now = () => new Date() }: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const fetchQueue = memo(async () => {
    try {
      return await withTimeout(queue.getJobCounts(...QUEUE_STATES), SOURCE_TIMEOUT_MS, 'redis');
    } catch (err) {
      log.warn({ err }, 'metrics: cannot read queue job counts from Redis; skipping them this scrape');
      return undefined;
    }
  }, SNAPSHOT_TTL_MS);
  const fetchOps = memo(async (): Promise<OpsSnapshot | undefined> => {
    try {
      return await withTimeout(readOpsSnapshot(db), SOURCE_TIMEOUT_MS, 'postgres');
    } catch (err) {
      log.warn({ err }, 'metrics: cannot read runs and windows from PostgreSQL; skipping them this scrape');
      return undefined;
    }
  }, SNAPSHOT_TTL_MS);

  new Gauge({
    name: 'qbo_backfill_source_up',
    help: 'Whether the dashboard could read this source on the latest scrape (1) or not (0)',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const [counts, ops] = await Promise.all([fetchQueue(), fetchOps()]);
      this.set({ source: 'redis' }, counts ? 1 : 0);
      this.set({ source: 'postgres' }, ops ? 1 : 0);
    },
  });

  new Gauge({
    name: 'qbo_backfill_queue_jobs',
    help: 'Jobs in the backfill queue by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await fetchQueue();
      if (!counts) return;
      for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });

  /** A gauge filled from the ops snapshot; reset first so a failed read leaves no stale value. */
  const opsGauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (gauge: Gauge, ops: OpsSnapshot) => void,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const ops = await fetchOps();
        if (ops) fill(this, ops);
      },
    });
  };

  opsGauge('qbo_backfill_runs', 'Backfill runs by status', ['status'], (g, ops) => {
    for (const [status, n] of ops.runsByStatus) g.set({ status }, n);
  });
  opsGauge(
    'qbo_backfill_windows',
    'Windows (entity x UTC day) of every run by status',
    ['status'],
    (g, ops) => {
      for (const [status, n] of ops.windowsByStatus) g.set({ status }, n);
    },
  );
  // Gauges, not counters: the sums come from the database, and resuming a window resets its counters.
  opsGauge(
    'qbo_backfill_rows',
    'Rows over every window by entity and outcome (fetched from QBO; inserted, updated, unchanged or skipped in the raw layer)',
    ['entity', 'kind'],
    (g, ops) => {
      for (const e of ops.entities) for (const kind of ROW_KINDS) g.set({ entity: e.entity, kind }, e[kind]);
    },
  );
  opsGauge(
    'qbo_backfill_pages',
    'Pages fetched from QBO over every window by entity',
    ['entity'],
    (g, ops) => {
      for (const e of ops.entities) g.set({ entity: e.entity }, e.pages);
    },
  );
  opsGauge(
    'qbo_backfill_window_attempts',
    'Job attempts over every window by entity (more than the window count means retries)',
    ['entity'],
    (g, ops) => {
      for (const e of ops.entities) g.set({ entity: e.entity }, e.attempts);
    },
  );
  opsGauge(
    'qbo_backfill_temporal_anomalies',
    'Records QBO returned whose LastUpdatedTime falls outside the window asked for, by entity',
    ['entity'],
    (g, ops) => {
      for (const e of ops.entities) g.set({ entity: e.entity }, e.temporalAnomalies);
    },
  );

  // Now minus the mark, at the scrape: it keeps growing while sync is stopped, which a timestamp
  // of the last cycle would only show through time() in every query.
  opsGauge(
    'qbo_backfill_sync_lag_seconds',
    "Seconds since each realm and entity's sync mark (the instant up to which the source's changes are in raw)",
    ['realm', 'entity'],
    (g, ops) => {
      const at = now();
      for (const m of ops.syncMarks) g.set({ realm: m.realmId, entity: m.entity }, lagSeconds(m.mark, at));
    },
  );

  // Seconds, not a timestamp: the runbook's alert reads as it is (`< 14 * 86400`), no time() needed.
  new Gauge({
    name: 'qbo_backfill_refresh_token_expires_in_seconds',
    help: "Seconds left until each realm's refresh token expires: rolling (100 days without a refresh) and hard (Intuit's 5-year limit); negative once past",
    labelNames: ['realm', 'expiry'],
    registers: [registry],
    async collect() {
      this.reset();
      let rows;
      try {
        rows = await withTimeout(getTokenStatus(db), SOURCE_TIMEOUT_MS, 'postgres');
      } catch (err) {
        log.warn({ err }, 'metrics: cannot read token expiries from PostgreSQL; skipping them this scrape');
        return;
      }
      const at = now();
      for (const row of rows) {
        for (const { kind, seconds } of secondsLeft(row, at))
          this.set({ realm: row.realmId, expiry: kind }, seconds);
      }
    },
  });

  return registry;
}
