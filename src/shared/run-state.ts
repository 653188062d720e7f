import { sql } from 'kysely';
import type { Db } from './db.js';
import type { RunStatus, WindowStatus } from './db-types.js';

/** Run statuses after which nothing of the run executes any more (unless resumed). */
export const ENDED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'halted', 'cancelled'];
/** Window statuses that count as done for a run's completion. */
export const FINAL_WINDOW_STATUSES: readonly WindowStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

export async function getRun(db: Db, runId: string) {
  return db.selectFrom('ops.runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

export async function getWindow(db: Db, runId: string, entity: string, day: string) {
  return db
    .selectFrom('ops.windows')
    .selectAll()
    .where('run_id', '=', runId)
    .where('entity', '=', entity)
    .where('day', '=', day)
    .executeTakeFirst();
}

/**
 * Ends the run when none of its windows is pending or running any more. Every window writer calls
 * this after committing its own row, so the last one to finish always sees all the others.
 */
export async function finalizeRunIfDone(db: Db, runId: string): Promise<RunStatus | undefined> {
  const result = await sql<{ status: RunStatus }>`
    UPDATE ops.runs r SET
      status = CASE WHEN EXISTS (
        SELECT 1 FROM ops.windows w WHERE w.run_id = r.run_id AND w.status IN ('failed','skipped','cancelled'))
        THEN 'failed' ELSE 'succeeded' END,
      finished_at = now(), updated_at = now()
    WHERE r.run_id = ${runId} AND r.status IN ('scheduled','running')
      AND NOT EXISTS (SELECT 1 FROM ops.windows w WHERE w.run_id = r.run_id AND w.status IN ('pending','running'))
    RETURNING r.status`.execute(db);
  return result.rows[0]?.status;
}

/** A window failed for good: count it towards the circuit breaker, halting the run at the threshold. */
export async function recordWindowFailure(
  db: Db,
  runId: string,
  threshold: number,
): Promise<{ halted: boolean; consecutiveFailures: number }> {
  const result = await sql<{ consecutive_failures: number; status: RunStatus }>`
    UPDATE ops.runs SET
      consecutive_failures = consecutive_failures + 1,
      status = CASE WHEN status IN ('scheduled','running') AND consecutive_failures + 1 >= ${threshold}
        THEN 'halted' ELSE status END,
      status_reason = CASE WHEN status IN ('scheduled','running') AND consecutive_failures + 1 >= ${threshold}
        THEN ${`circuit breaker: ${threshold} consecutive windows failed; fix the cause, then: qbo-backfill resume --run ${runId}`}
        ELSE status_reason END,
      finished_at = CASE WHEN status IN ('scheduled','running') AND consecutive_failures + 1 >= ${threshold}
        THEN now() ELSE finished_at END,
      updated_at = now()
    WHERE run_id = ${runId}
    RETURNING consecutive_failures, status`.execute(db);
  const row = result.rows[0];
  return { halted: row?.status === 'halted', consecutiveFailures: row?.consecutive_failures ?? 0 };
}

export async function recordWindowSuccess(db: Db, runId: string): Promise<void> {
  await db
    .updateTable('ops.runs')
    .set({ consecutive_failures: 0, updated_at: new Date() })
    .where('run_id', '=', runId)
    .where('consecutive_failures', '>', 0)
    .execute();
}

/** Stops a run at once with an operator message (invalid_grant): its other jobs finish as skipped. */
export async function haltRun(db: Db, runId: string, reason: string): Promise<void> {
  await db
    .updateTable('ops.runs')
    .set({ status: 'halted', status_reason: reason, finished_at: new Date(), updated_at: new Date() })
    .where('run_id', '=', runId)
    .where('status', 'in', ['scheduled', 'running'])
    .execute();
}

/**
 * Polls the run until it has ended (any status but scheduled or running) and returns that status;
 * rejects after `timeoutMs`.
 */
export async function waitForRunEnd(
  db: Db,
  runId: string,
  timeoutMs: number,
  intervalMs = 500,
): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db
      .selectFrom('ops.runs')
      .select('status')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (run && !['scheduled', 'running'].includes(run.status)) return run.status;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for run ${runId} to end`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
