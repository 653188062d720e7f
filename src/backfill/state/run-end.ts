import { sql, type RawBuilder } from 'kysely';
import { PREPARED, type Db } from '../../infra/db.js';
import {
  isLiveRunStatus,
  LIVE_RUN_STATUSES,
  OPEN_WINDOW_STATUSES,
  sqlLiteralList,
  UNSUCCESSFUL_WINDOW_STATUSES,
  type RunStatus,
} from '../../model/statuses.js';

/**
 * How a run ends: finalized when its last window is done, halted by an operator-only error or by
 * the circuit breaker, and the breaker's count of consecutive failed windows.
 */

/** No window of the run is open any more: the run can end. */
function noOpenWindow(runId: RawBuilder<unknown> | string) {
  return sql<boolean>`NOT EXISTS (SELECT 1 FROM ops.windows w WHERE w.run_id = ${runId}
    AND w.status IN (${sql.raw(sqlLiteralList(OPEN_WINDOW_STATUSES))}))`;
}

/** The status a run that is done ends with: failed if any window ended without its data. */
function endStatus(runId: RawBuilder<unknown>) {
  return sql<RunStatus>`CASE WHEN EXISTS (SELECT 1 FROM ops.windows w WHERE w.run_id = ${runId}
      AND w.status IN (${sql.raw(sqlLiteralList(UNSUCCESSFUL_WINDOW_STATUSES))}))
    THEN 'failed' ELSE 'succeeded' END`;
}

const LIVE = sql.raw(sqlLiteralList(LIVE_RUN_STATUSES));

/**
 * Ends the run when none of its windows is open any more (endStatus). Every window transition
 * that ends a window calls this after its own write has committed, so the last window to finish
 * always sees all the others.
 */
export async function finalizeRunIfDone(db: Db, runId: string): Promise<RunStatus | undefined> {
  const { rows } = await sql<{ status: RunStatus }>`
    UPDATE ops.runs r SET status = ${endStatus(sql.ref('r.run_id'))}, finished_at = now(), updated_at = now()
    WHERE r.run_id = ${runId} AND r.status IN (${LIVE}) AND ${noOpenWindow(sql.ref('r.run_id'))}
    RETURNING r.status`.execute(db);
  return rows[0]?.status;
}

/** Stops a live run at once with an operator message: its other jobs finish as skipped. */
export async function haltRun(db: Db, runId: string, reason: string): Promise<void> {
  await db
    .updateTable('ops.runs')
    .set({ status: 'halted', status_reason: reason, finished_at: new Date(), updated_at: new Date() })
    .where('run_id', '=', runId)
    .where('status', 'in', LIVE_RUN_STATUSES)
    .execute();
}

export interface BreakerState {
  halted: boolean;
  consecutiveFailures: number;
}

/**
 * Counts a window that failed for good towards the circuit breaker; at the threshold a live run
 * halts, in the same statement, so two windows failing at once cannot both miss it.
 */
export async function countWindowFailure(db: Db, runId: string, threshold: number): Promise<BreakerState> {
  const reason = `circuit breaker: ${threshold} consecutive windows failed; fix the cause, then: qbo-backfill resume --run ${runId}`;
  const row = await db
    .updateTable('ops.runs')
    .set((eb) => {
      const trips = eb.and([
        eb('status', 'in', LIVE_RUN_STATUSES),
        eb(eb('consecutive_failures', '+', 1), '>=', threshold),
      ]);
      return {
        consecutive_failures: eb('consecutive_failures', '+', 1),
        status: eb
          .case()
          .when(trips)
          .then(sql<RunStatus>`'halted'`)
          .else(eb.ref('status'))
          .end(),
        status_reason: eb.case().when(trips).then(reason).else(eb.ref('status_reason')).end(),
        finished_at: eb
          .case()
          .when(trips)
          .then(sql<Date>`now()`)
          .else(eb.ref('finished_at'))
          .end(),
        updated_at: new Date(),
      };
    })
    .where('run_id', '=', runId)
    // The breaker guards a live run only: an ended run's status and count stay as they ended.
    .where('status', 'in', LIVE_RUN_STATUSES)
    .returning(['consecutive_failures', 'status'])
    .executeTakeFirst();
  return { halted: row?.status === 'halted', consecutiveFailures: row?.consecutive_failures ?? 0 };
}

/**
 * What the run does once a window's success has committed, in one statement: the breaker starts
 * over (it counts consecutive failures only) and finalizeRunIfDone's end (a window job ends this
 * way once per request when its window is one page). Returns the run's status when this statement
 * ended it. Whether the run is done is read in a CTE with the run's status before the statement,
 * so the result can tell "ended now" from "had ended already"; the UPDATE re-checks the run's own
 * status under its row lock, as finalizeRunIfDone does, so two windows ending at once cannot both
 * end the run.
 */
export async function endRunAfterWindowSucceeded(db: Db, runId: string): Promise<RunStatus | undefined> {
  const ends = sql`s.done AND r.status IN (${LIVE})`;
  // Plain SQL: it runs once per job, and Kysely's query tree cost more CPU than the statement.
  const { rows } = await sql<{ status: RunStatus; done: boolean; was: RunStatus | null }>`${sql.raw(PREPARED)}
    WITH s AS (
      SELECT ${noOpenWindow(runId)} AS done,
        (SELECT o.status FROM ops.runs o WHERE o.run_id = ${runId}) AS was
    )
    UPDATE ops.runs r SET
      consecutive_failures = 0,
      status = CASE WHEN ${ends} THEN ${endStatus(sql.ref('r.run_id'))} ELSE r.status END,
      finished_at = CASE WHEN ${ends} THEN now() ELSE r.finished_at END,
      updated_at = now()
    FROM s
    WHERE r.run_id = ${runId} AND (r.consecutive_failures > 0 OR ${ends})
    RETURNING r.status, s.done, s.was`.execute(db);
  const row = rows[0];
  // Live before and done: this statement ended the run.
  const ended = row?.done === true && row.was !== null && isLiveRunStatus(row.was);
  return ended ? row.status : undefined;
}
