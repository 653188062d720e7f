/**
 * One sync cycle of one realm, as a worker runs it: take the realm (one cycle at a time), find
 * each entity's mark, read CDC for the entities it covers, re-read whole what CDC cannot answer,
 * and end the cycle. Every write names the cycle's lease; the rows, counters and marks of a step
 * commit together, so a cycle killed at any point loses nothing and, run again (its job comes
 * back with the same id), counts nothing twice: what it committed is behind the marks, and what
 * it reads again is the same versions, which the upsert leaves unchanged.
 */
import type { Job } from 'bullmq';
import { ReleaseJobError } from '../model/errors/index.js';
import type { Db } from '../infra/db.js';
import { coveredByCdc, ENTITIES, getEntity, type EntityDefinition } from '../model/entities.js';
import type { Logger } from '../infra/logger.js';
import { NO_METRICS, SYNC_CHANGES, SYNC_CYCLES, type MetricsRecorder } from '../infra/cluster-metrics.js';
import { cdcPass } from './cdc-pass.js';
import type { CycleContext, SyncQbo } from './cycle-context.js';
import { syncStart } from './sync-marks.js';
import { SYNC_DEFAULTS, type SyncCycleJobData, type SyncCycleSummary } from './sync-queue.js';
import { cycleSummary, endCycle, skipCycle, startCycle, SyncLeaseLostError } from './sync-state.js';
import { rereadWhole } from './whole-reread.js';
import { refreshReports } from './report-refresh.js';

export interface SyncCycleOptions {
  db: Db;
  qbo: SyncQbo;
  logger: Logger;
  metrics?: MetricsRecorder;
  /** See {@link SYNC_DEFAULTS.markMarginMs}. */
  markMarginMs?: number;
  /** See {@link SYNC_DEFAULTS.busyRetryMs}. */
  busyRetryMs?: number;
}

/** A cycle moved back to the delayed set because another cycle held its realm: not a failure. */
export class RealmBusyError extends ReleaseJobError {
  constructor(realmId: string, busyWith: string) {
    super(`realm ${realmId} is syncing (cycle ${busyWith}): this cycle waits for it`);
  }
}

export async function processSyncCycle(
  job: Job<SyncCycleJobData, SyncCycleSummary>,
  token: string | undefined,
  options: SyncCycleOptions,
): Promise<SyncCycleSummary> {
  const { db, logger } = options;
  const metrics = options.metrics ?? NO_METRICS;
  const data = job.data;
  const cycle = { realmId: data.realmId, cycleId: String(job.id), trigger: data.trigger };
  const log = logger.child({ realmId: data.realmId, cycleId: cycle.cycleId, trigger: data.trigger });
  const started = await startCycle(db, cycle);
  if ('busyWith' in started) {
    // A scheduled cycle is covered by the running one (and the next tick comes anyway); asked for
    // by a person or a webhook, it runs after it, so that nothing notified is left unread.
    if (data.trigger === 'schedule') {
      await skipCycle(db, cycle, started.busyWith);
      metrics.inc(SYNC_CYCLES, { trigger: data.trigger, status: 'skipped' });
      log.info({ busyWith: started.busyWith }, 'sync cycle skipped: another cycle of the realm is running');
      return { realmId: data.realmId, cycleId: cycle.cycleId, status: 'skipped', entities: {}, requests: 0 };
    }
    await job.moveToDelayed(Date.now() + (options.busyRetryMs ?? SYNC_DEFAULTS.busyRetryMs), token);
    throw new RealmBusyError(data.realmId, started.busyWith);
  }
  const margin = options.markMarginMs ?? SYNC_DEFAULTS.markMarginMs;
  const ctx: CycleContext = {
    db,
    qbo: options.qbo,
    lease: started,
    log,
    markFrom: (at) => new Date(at.getTime() - margin),
  };
  try {
    const entities = data.entities === null ? [...ENTITIES] : data.entities.map(getEntity);
    const start = await syncStart(db, data.realmId, entities, { marginMs: margin });
    if (start.pending.length > 0)
      log.info({ entities: start.pending }, 'backfill still running: not synced yet');
    const ready = entities.filter((e) => start.marks.has(e.name));
    const now = new Date();
    const rereads = await cdcPass(ctx, ready.filter(coveredByCdc), start.marks, now);
    for (const entity of ready.filter((e) => !coveredByCdc(e))) {
      if (rereadDue(entity, data, start.marks.get(entity.name)?.rereadAt ?? null, now)) rereads.push(entity);
    }
    for (const entity of rereads) await rereadWhole(ctx, entity);
    if (data.reports?.names.length) {
      const { names, accountingMethod, months } = data.reports;
      await refreshReports(ctx, { reports: names, accountingMethod, months }, now);
    }
    await endCycle(db, started, { status: 'succeeded' });
    const summary = (await cycleSummary(db, cycle.cycleId)) as SyncCycleSummary;
    recordMetrics(metrics, data, summary);
    log.info({ requests: summary.requests, entities: changedOnly(summary) }, 'sync cycle succeeded');
    return summary;
  } catch (err) {
    if (err instanceof SyncLeaseLostError) {
      log.warn(err.message);
      throw new RealmBusyError(data.realmId, 'that took it over');
    }
    const message = err instanceof Error ? err.message : String(err);
    await endCycle(db, started, { status: 'failed', error: message }).catch(() => undefined);
    metrics.inc(SYNC_CYCLES, { trigger: data.trigger, status: 'failed' });
    log.warn({ err: message }, 'sync cycle failed');
    throw err;
  }
}

/** A `once` cycle re-reads what CDC leaves out every time; the others when its period is over. */
function rereadDue(
  entity: EntityDefinition,
  data: SyncCycleJobData,
  rereadAt: Date | null,
  now: Date,
): boolean {
  if (coveredByCdc(entity)) return false;
  if (data.trigger === 'once' || rereadAt === null) return true;
  return now.getTime() - rereadAt.getTime() >= data.rereadEveryMs;
}

function recordMetrics(metrics: MetricsRecorder, data: SyncCycleJobData, summary: SyncCycleSummary): void {
  metrics.inc(SYNC_CYCLES, { trigger: data.trigger, status: 'succeeded' });
  for (const [entity, counts] of Object.entries(summary.entities)) {
    metrics.inc(SYNC_CHANGES, { entity, change: 'upserted' }, counts.upserted);
    metrics.inc(SYNC_CHANGES, { entity, change: 'deleted' }, counts.deleted);
  }
}

function changedOnly(summary: SyncCycleSummary): Record<string, { upserted: number; deleted: number }> {
  const out: Record<string, { upserted: number; deleted: number }> = {};
  for (const [name, c] of Object.entries(summary.entities)) {
    if (c.upserted + c.deleted > 0) out[name] = { upserted: c.upserted, deleted: c.deleted };
  }
  return out;
}
