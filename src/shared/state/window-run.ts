import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Db } from '../db.js';
import type { Database } from '../db-types.js';
import type { RunState } from './reads.js';
import { isWindow, type WindowKey } from './window-key.js';

/** A window while its job runs: started, its pages committed one by one, a pass started over. */

/**
 * The job took the window: running, one more attempt, and its run is running from now on. One
 * statement (both updates in CTEs, which PostgreSQL runs whether or not they are read), which also
 * returns the run's state after it, so the job checks for a halt or cancel without reading the run
 * again before its first page. Undefined when the run does not exist.
 */
export async function startWindow(
  db: Db,
  key: WindowKey,
  jobId: string | null,
): Promise<RunState | undefined> {
  const row = await db
    .with('w', (qb) =>
      qb
        .updateTable('ops.windows')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          started_at: eb.fn.coalesce('started_at', sql<Date>`now()`),
          job_id: jobId,
          updated_at: new Date(),
        }))
        .where(isWindow(key))
        .returning('run_id'),
    )
    .with('started', (qb) =>
      qb
        .updateTable('ops.runs')
        .set({ status: 'running', updated_at: new Date() })
        .where('run_id', '=', key.runId)
        .where('status', '=', 'scheduled')
        .returning('status'),
    )
    // The outer read sees the run as it was before the statement: the CTE's row says if it started.
    .selectFrom('ops.runs as r')
    .leftJoin('started', (join) => join.onTrue())
    .select((eb) => [
      eb.fn.coalesce('started.status', 'r.status').as('status'),
      'r.status_reason as statusReason',
    ])
    .where('r.run_id', '=', key.runId)
    .executeTakeFirst();
  return row;
}

/** The counters a window keeps (and a run's report sums). */
export interface WindowCounters {
  rowsFetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records without an Id, not stored. */
  skipped: number;
  /** Records whose LastUpdatedTime lies outside the window they were returned for. */
  temporalAnomalies: number;
}

/** What one committed page adds to its window. */
export interface PageCounters extends WindowCounters {
  /** 1-based number of the page within the current pass. */
  pageNumber: number;
}

/**
 * Adds a page to its window's counters. Called inside the transaction that upserts the page, so
 * the counters and the stored rows never disagree, and a retried job resumes after this page.
 */
export async function commitPage(trx: Kysely<Database>, key: WindowKey, page: PageCounters): Promise<void> {
  await trx
    .updateTable('ops.windows')
    .set((eb) => ({ ...pageCounterUpdates(eb, page), updated_at: new Date() }))
    .where(isWindow(key))
    .execute();
}

/** What committing a page sets on its window: its counters added, the resume position moved. */
export function pageCounterUpdates(eb: ExpressionBuilder<Database, 'ops.windows'>, page: PageCounters) {
  return {
    pages: eb('pages', '+', 1),
    rows_fetched: eb('rows_fetched', '+', page.rowsFetched),
    inserted: eb('inserted', '+', page.inserted),
    updated: eb('updated', '+', page.updated),
    unchanged: eb('unchanged', '+', page.unchanged),
    skipped: eb('skipped', '+', page.skipped),
    temporal_anomalies: eb('temporal_anomalies', '+', page.temporalAnomalies),
    committed_pages: page.pageNumber,
  };
}

/** Reconciliation found records missing: the window is read again from its first page. */
export async function restartPass(db: Db, key: WindowKey, pass: number): Promise<void> {
  await db
    .updateTable('ops.windows')
    .set({ committed_pages: 0, reread_passes: pass, updated_at: new Date() })
    .where(isWindow(key))
    .execute();
}
