import type { Db } from '../infra/db.js';
import { RUN_STATUSES, WINDOW_STATUSES } from '../model/statuses.js';
import { readAllMarks } from '../sync/sync-report.js';

/** Per-entity sums over every window of every run. */
export interface EntityTotals {
  entity: string;
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  pages: number;
  attempts: number;
  temporalAnomalies: number;
}

export interface OpsSnapshot {
  runsByStatus: Map<string, number>;
  windowsByStatus: Map<string, number>;
  entities: EntityTotals[];
  /** Every realm's sync marks (one row per realm and entity synced), for the lag gauge. */
  syncMarks: { realmId: string; entity: string; mark: Date }[];
}

/**
 * Reads the run and window bookkeeping as two aggregate queries (never row by row), so a scrape
 * stays cheap however many windows a backfill has planned, and the sync marks (a row per realm and
 * entity, however many cycles ran).
 */
export async function readOpsSnapshot(db: Db): Promise<OpsSnapshot> {
  const [runs, windows, syncMarks] = await Promise.all([
    db
      .selectFrom('ops.runs')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute(),
    db
      .selectFrom('ops.windows')
      .select((eb) => [
        'entity',
        'status',
        eb.fn.countAll<number>().as('windows'),
        eb.fn.sum<string>('rows_fetched').as('fetched'),
        eb.fn.sum<string>('inserted').as('inserted'),
        eb.fn.sum<string>('updated').as('updated'),
        eb.fn.sum<string>('unchanged').as('unchanged'),
        eb.fn.sum<string>('skipped').as('skipped'),
        eb.fn.sum<string>('pages').as('pages'),
        eb.fn.sum<string>('attempts').as('attempts'),
        eb.fn.sum<string>('temporal_anomalies').as('temporal_anomalies'),
      ])
      .groupBy(['entity', 'status'])
      .execute(),
    readAllMarks(db),
  ]);

  const runsByStatus = new Map<string, number>(RUN_STATUSES.map((s) => [s, 0]));
  for (const row of runs) runsByStatus.set(row.status, Number(row.count));

  const windowsByStatus = new Map<string, number>(WINDOW_STATUSES.map((s) => [s, 0]));
  const byEntity = new Map<string, EntityTotals>();
  for (const row of windows) {
    windowsByStatus.set(row.status, (windowsByStatus.get(row.status) ?? 0) + Number(row.windows));
    let totals = byEntity.get(row.entity);
    if (!totals) {
      totals = {
        entity: row.entity,
        fetched: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        pages: 0,
        attempts: 0,
        temporalAnomalies: 0,
      };
      byEntity.set(row.entity, totals);
    }
    // SUM over int columns is numeric in PostgreSQL, which pg hands back as a string.
    totals.fetched += Number(row.fetched);
    totals.inserted += Number(row.inserted);
    totals.updated += Number(row.updated);
    totals.unchanged += Number(row.unchanged);
    totals.skipped += Number(row.skipped);
    totals.pages += Number(row.pages);
    totals.attempts += Number(row.attempts);
    totals.temporalAnomalies += Number(row.temporal_anomalies);
  }
  return { runsByStatus, windowsByStatus, entities: [...byEntity.values()], syncMarks };
}
