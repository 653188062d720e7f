import type { Db } from '../../infra/db.js';
import type { WindowsPlan } from '../../model/db-types.js';
import { windowJobId } from '../../infra/queue.js';
import { LIVE_RUN_STATUSES } from '../../model/statuses.js';

export interface NewRun {
  runId: string;
  realmId: string;
  entities: string[];
  from: Date;
  to: Date;
  pageSize: number;
  startAt: Date;
  /** Same realm, entities and range: at most one live run per key. */
  dedupeKey: string;
  /** How the windows were planned. Left out: the column's default (`day`, as runs were before). */
  windowsPlan?: WindowsPlan;
  /** One per entity and window (entities read whole have one window for the run). */
  windows: { entity: string; day: string; start: Date; end: Date }[];
  /** Reports read per calendar month (their windows are among `windows`), and their basis. */
  reports?: string[];
  accountingMethod?: string | null;
}

/**
 * Records a scheduled run and its pending windows in one transaction.
 * Returns false, writing nothing, when a live run with the same dedupe key exists: the partial
 * unique index on ops.runs makes that hold even for two producers at once.
 */
export async function createRun(db: Db, run: NewRun): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('ops.runs')
      .values({
        run_id: run.runId,
        realm_id: run.realmId,
        entities: run.entities,
        range_start_utc: run.from,
        range_end_utc: run.to,
        page_size: run.pageSize,
        start_at_utc: run.startAt,
        dedupe_key: run.dedupeKey,
        ...(run.windowsPlan ? { windows_plan: run.windowsPlan } : {}),
        ...(run.reports?.length
          ? { reports: run.reports, accounting_method: run.accountingMethod ?? null }
          : {}),
        status: 'scheduled',
      })
      .onConflict((oc) => oc.column('dedupe_key').where('status', 'in', LIVE_RUN_STATUSES).doNothing())
      .returning('run_id')
      .executeTakeFirst();
    if (!inserted) return false;
    const rows = run.windows.map((w) => ({
      run_id: run.runId,
      entity: w.entity,
      day: w.day,
      window_start_utc: w.start,
      window_end_utc: w.end,
      status: 'pending' as const,
      job_id: windowJobId(run.runId, w.entity, w.day, 0),
    }));
    for (let i = 0; i < rows.length; i += 1000) {
      await trx
        .insertInto('ops.windows')
        .values(rows.slice(i, i + 1000))
        .execute();
    }
    return true;
  });
}

/** The live run of a backfill, if any. */
export async function findLiveRun(db: Db, dedupeKey: string) {
  return db
    .selectFrom('ops.runs')
    .selectAll()
    .where('dedupe_key', '=', dedupeKey)
    .where('status', 'in', LIVE_RUN_STATUSES)
    .executeTakeFirst();
}
