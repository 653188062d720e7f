import { sql, type Expression, type Kysely, type QueryCreator } from 'kysely';
import type { Db } from '../db.js';
import type { Database } from '../db-types.js';
import { isWindow, type WindowKey } from './window-key.js';

/** A window while its job runs: started, its pages committed one by one, a pass started over. */

/**
 * The job took the window: running, one more attempt, and its run is running from now on. One
 * statement (the window's update as a data-modifying WITH, which PostgreSQL always runs to
 * completion): one round trip and one commit per window instead of two.
 */
export async function startWindow(db: Db, key: WindowKey, jobId: string | null): Promise<void> {
  await db
    .with('started', (qc) =>
      qc
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
    .updateTable('ops.runs')
    .set({ status: 'running', updated_at: new Date() })
    .where('run_id', '=', key.runId)
    .where('status', '=', 'scheduled')
    .execute();
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

/** A count as a number, or as an SQL expression of the statement that commits the page. */
type Count = number | Expression<number>;

/**
 * Adds a page to its window's counters. Called inside the transaction that upserts the page, so
 * the counters and the stored rows never disagree, and a retried job resumes after this page.
 */
export async function commitPage(trx: Kysely<Database>, key: WindowKey, page: PageCounters): Promise<void> {
  await commitPageQuery(trx, key, page).execute();
}

/**
 * commitPage's statement, whose upsert counts may be expressions over the upsert's RETURNING: the
 * page upsert then runs it in its own statement's WITH, one statement for the rows and the
 * counters (see upsertPage).
 */
export function commitPageQuery(
  qc: QueryCreator<Database>,
  key: WindowKey,
  page: Omit<PageCounters, 'inserted' | 'updated' | 'unchanged'> & {
    inserted: Count;
    updated: Count;
    unchanged: Count;
  },
) {
  return qc
    .updateTable('ops.windows')
    .set((eb) => ({
      pages: eb('pages', '+', 1),
      rows_fetched: eb('rows_fetched', '+', page.rowsFetched),
      inserted: eb('inserted', '+', page.inserted),
      updated: eb('updated', '+', page.updated),
      unchanged: eb('unchanged', '+', page.unchanged),
      skipped: eb('skipped', '+', page.skipped),
      temporal_anomalies: eb('temporal_anomalies', '+', page.temporalAnomalies),
      committed_pages: page.pageNumber,
      updated_at: new Date(),
    }))
    .where(isWindow(key));
}

/** Reconciliation found records missing: the window is read again from its first page. */
export async function restartPass(db: Db, key: WindowKey, pass: number): Promise<void> {
  await db
    .updateTable('ops.windows')
    .set({ committed_pages: 0, reread_passes: pass, updated_at: new Date() })
    .where(isWindow(key))
    .execute();
}
