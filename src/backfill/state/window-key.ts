import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../../model/db-types.js';
import { ReleaseJobError } from '../../model/errors/index.js';

/** Which window a transition applies to: a run's entity and UTC day (the table's primary key). */
export interface WindowKey {
  runId: string;
  entity: string;
  /** UTC day `YYYY-MM-DD`. */
  day: string;
}

/** The WHERE clause that picks one window by its key. */
export function isWindow(key: WindowKey) {
  return (eb: ExpressionBuilder<Database, 'ops.windows'>) =>
    eb.and([eb('run_id', '=', key.runId), eb('entity', '=', key.entity), eb('day', '=', key.day)]);
}

/** The same WHERE condition as SQL, for the statements written as plain SQL. */
export function windowIs(key: WindowKey) {
  return sql`run_id = ${key.runId} AND entity = ${key.entity} AND day = ${key.day}`;
}

/**
 * One attempt at a window: its key and the lease it holds (ops.windows.lease). Every write a job
 * makes for its window names the lease, and changes nothing once a newer attempt, or an operator's
 * resume, retry or cancel, has taken a newer one (see {@link LeaseLostError}).
 */
export interface WindowAttempt extends WindowKey {
  lease: number;
}

/** The WHERE condition of a write fenced to `attempt`: the window's key and its lease. */
export function heldBy(attempt: WindowAttempt) {
  return sql`${windowIs(attempt)} AND lease = ${attempt.lease}`;
}

/**
 * A job's write for its window found the window held by another attempt: this job's lock lapsed
 * (its worker was frozen, or lost Redis, past the lock's duration) and another worker took the
 * window over, or an operator requeued or cancelled it. The write changed nothing; the job must
 * stop without touching the window again.
 */
export class LeaseLostError extends ReleaseJobError {
  constructor(
    readonly attempt: WindowAttempt,
    /** What the job was writing when it found out. */
    readonly writing: string,
  ) {
    super(
      `window ${attempt.entity} ${attempt.day} of run ${attempt.runId} is no longer held by lease ${attempt.lease}: ${writing} not written`,
    );
  }
}
