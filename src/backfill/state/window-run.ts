import { sql, type Kysely, type RawBuilder } from 'kysely';
import { PREPARED, type Db } from '../../infra/db.js';
import type { Database } from '../../model/db-types.js';
import type { RunState } from './reads.js';
import { LIVE_RUN_STATUSES, sqlLiteralList } from '../../model/statuses.js';
import { heldBy, LeaseLostError, type WindowAttempt } from './window-key.js';

/** A window while its job runs: started, its pages committed one by one, a pass started over. */

/** The window a job took: its run's state after the start, and the lease the job now holds. */
export interface StartedWindow {
  run: RunState;
  attempt: WindowAttempt;
}

/**
 * The job took the window: running, one more attempt, the next lease, and its run is running from
 * now on. The window is taken only from `pending` or `running` (a job whose worker's lock lapsed
 * is taken over while its row still says running) and only while it still holds the lease the job
 * read when it loaded it: of two jobs that loaded the window at the same lease, one starts it and
 * the other gets a LeaseLostError. The run starts only when the window did.
 *
 * One statement (both updates in CTEs; plain SQL because it runs once per job and Kysely's query
 * tree cost more CPU than the statement), which also returns the run's state after it, so the job
 * checks for a halt or cancel without reading the run again before its first page. Undefined when
 * the run does not exist.
 */
export async function startWindow(
  db: Db,
  loaded: WindowAttempt,
  jobId: string | null,
): Promise<StartedWindow | undefined> {
  const now = new Date();
  const { rows } = await sql<RunState & { lease: number | null }>`${sql.raw(PREPARED)}
    WITH w AS (
      UPDATE ops.windows SET status = 'running', attempts = attempts + 1, lease = lease + 1,
        started_at = coalesce(started_at, now()), job_id = ${jobId}, updated_at = ${now}
      WHERE ${heldBy(loaded)} AND status IN ('pending', 'running')
      RETURNING lease
    ), started AS (
      UPDATE ops.runs SET status = 'running', updated_at = ${now}
      WHERE run_id = ${loaded.runId} AND status = 'scheduled' AND EXISTS (SELECT 1 FROM w)
      RETURNING status
    )
    -- The outer read sees the run as it was before the statement: the CTE's row says if it started.
    SELECT coalesce(started.status, r.status) AS status, r.status_reason AS "statusReason",
      (SELECT lease FROM w) AS lease
    FROM ops.runs r LEFT JOIN started ON true
    WHERE r.run_id = ${loaded.runId}`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  if (row.lease === null) throw new LeaseLostError(loaded, "the window's start");
  return {
    run: { status: row.status, statusReason: row.statusReason },
    attempt: { ...loaded, lease: row.lease },
  };
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
 * Fenced like every write of a job: only the attempt holding the window, while it runs and its run
 * is live (a cancelled or halted run takes no page).
 */
export async function commitPage(
  trx: Kysely<Database>,
  attempt: WindowAttempt,
  page: PageCounters,
): Promise<void> {
  const result = await sql`UPDATE ops.windows SET ${pageCounterUpdates(page)}, updated_at = ${new Date()}
    WHERE ${heldBy(attempt)} AND ${takesPages(attempt.runId)}`.execute(trx);
  if ((result.numAffectedRows ?? 0n) === 0n) throw new LeaseLostError(attempt, `page ${page.pageNumber}`);
}

/**
 * A window takes a page only while it runs and its run is live: a page of a run cancelled or
 * halted meanwhile is not committed (the job then stops as its run says).
 */
export function takesPages(runId: string) {
  return sql<boolean>`status = 'running' AND EXISTS (SELECT 1 FROM ops.runs r
    WHERE r.run_id = ${runId} AND r.status IN (${sql.raw(sqlLiteralList(LIVE_RUN_STATUSES))}))`;
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
export async function restartPass(
  db: Db,
  attempt: WindowAttempt,
  pass: number,
  /** COUNTs asked since the last page committed (the one that found records missing). */
  requests = 0,
): Promise<void> {
  const result = await sql`UPDATE ops.windows SET committed_pages = 0, reread_passes = ${pass},
      requests = requests + ${requests}::int, updated_at = ${new Date()}
    WHERE ${heldBy(attempt)} AND status = 'running'`.execute(db);
  if ((result.numAffectedRows ?? 0n) === 0n) throw new LeaseLostError(attempt, `re-read pass ${pass}`);
}
