import { sql, type Kysely, type RawBuilder } from 'kysely';
import { PREPARED, type Db } from '../db.js';
import type { Database } from '../db-types.js';
import type { RunState } from './reads.js';
import { isWindow, windowIs, type WindowKey } from './window-key.js';

/** A window while its job runs: started, its pages committed one by one, a pass started over. */

/**
 * The job took the window: running, one more attempt, and its run is running from now on. One
 * statement (both updates in CTEs, which PostgreSQL runs whether or not they are read; plain SQL
 * because it runs once per job and Kysely's query tree cost more CPU than the statement), which
 * also returns the run's state after it, so the job checks for a halt or cancel without reading
 * the run again before its first page. Undefined when the run does not exist.
 */
export async function startWindow(
  db: Db,
  key: WindowKey,
  jobId: string | null,
): Promise<RunState | undefined> {
  const now = new Date();
  const { rows } = await sql<RunState>`${sql.raw(PREPARED)}
    WITH w AS (
      UPDATE ops.windows SET status = 'running', attempts = attempts + 1,
        started_at = coalesce(started_at, now()), job_id = ${jobId}, updated_at = ${now}
      WHERE ${windowIs(key)}
    ), started AS (
      UPDATE ops.runs SET status = 'running', updated_at = ${now}
      WHERE run_id = ${key.runId} AND status = 'scheduled'
      RETURNING status
    )
    -- The outer read sees the run as it was before the statement: the CTE's row says if it started.
    SELECT coalesce(started.status, r.status) AS status, r.status_reason AS "statusReason"
    FROM ops.runs r LEFT JOIN started ON true
    WHERE r.run_id = ${key.runId}`.execute(db);
  return rows[0];
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

/** The counters the page's upsert decides. */
export type UpsertCount = 'inserted' | 'updated' | 'unchanged';

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
  await sql`UPDATE ops.windows SET ${pageCounterUpdates(page)}, updated_at = ${new Date()}
    WHERE ${windowIs(key)}`.execute(trx);
}

/**
 * What committing a page sets on its window: its counters added, the resume position moved. The
 * upsert's counts may be SQL expressions, when the upsert runs in the same statement.
 */
export function pageCounterUpdates(
  page: Omit<PageCounters, UpsertCount> & Record<UpsertCount, number | RawBuilder<number>>,
) {
  return sql`pages = pages + 1, rows_fetched = rows_fetched + ${page.rowsFetched},
    inserted = inserted + ${page.inserted}, updated = updated + ${page.updated},
    unchanged = unchanged + ${page.unchanged}, skipped = skipped + ${page.skipped},
    temporal_anomalies = temporal_anomalies + ${page.temporalAnomalies},
    committed_pages = ${page.pageNumber}`;
}

/** Reconciliation found records missing: the window is read again from its first page. */
export async function restartPass(db: Db, key: WindowKey, pass: number): Promise<void> {
  await db
    .updateTable('ops.windows')
    .set({ committed_pages: 0, reread_passes: pass, updated_at: new Date() })
    .where(isWindow(key))
    .execute();
}
