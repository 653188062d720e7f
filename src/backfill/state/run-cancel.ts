import { sql } from 'kysely';
import type { Db } from '../../infra/db.js';
import { LIVE_RUN_STATUSES, type RunStatus } from '../../model/statuses.js';

/**
 * Marks the run cancelled first, so a window that starts meanwhile stops at once (its job reads
 * the run's status before and between pages, and no page of a cancelled run commits). Only a live
 * run (scheduled or running) can be cancelled: a run that has ended keeps its end. Returns the
 * status the run had, whether or not this changed it; undefined when there is no such run.
 */
export async function markRunCancelled(
  db: Db,
  runId: string,
): Promise<{ cancelled: boolean; was: RunStatus } | undefined> {
  const { rows } = await sql<{ was: RunStatus; cancelled: boolean }>`
    WITH before AS (SELECT status FROM ops.runs WHERE run_id = ${runId} FOR UPDATE),
    c AS (
      UPDATE ops.runs SET status = 'cancelled', status_reason = 'cancelled by the operator',
        finished_at = now(), updated_at = now()
      WHERE run_id = ${runId} AND status IN (${sql.join(LIVE_RUN_STATUSES.map((s) => sql.lit(s)))})
      RETURNING 1
    )
    SELECT before.status AS was, EXISTS (SELECT 1 FROM c) AS cancelled FROM before`.execute(db);
  return rows[0];
}

/**
 * Ends the run's windows that never started (pending) as cancelled, under a new lease so that a job
 * that loaded one of them meanwhile cannot start it; returns how many.
 */
export async function cancelPendingWindows(db: Db, runId: string): Promise<number> {
  const result = await db
    .updateTable('ops.windows')
    .set((eb) => ({
      status: 'cancelled',
      error: 'run cancelled',
      lease: eb('lease', '+', 1),
      finished_at: new Date(),
      updated_at: new Date(),
    }))
    .where('run_id', '=', runId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
