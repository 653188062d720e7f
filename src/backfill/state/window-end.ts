import { sql, type UpdateObject } from 'kysely';
import type { Db } from '../../infra/db.js';
import type { Database } from '../../model/db-types.js';
import {
  countWindowFailure,
  endRunAfterWindowSucceeded,
  finalizeRunIfDone,
  haltRun,
  type BreakerState,
} from './run-end.js';
import { OPEN_WINDOW_STATUSES, type RunStatus, type WindowStatus } from '../../model/statuses.js';
import { isWindow, LeaseLostError, type WindowAttempt } from './window-key.js';

/**
 * How a window's job ends. Each function is one terminal transition of the attempt that holds the
 * window: it states the window statuses it may start from, adds the job's elapsed time to the
 * window, and ends the run when this was its last open window. Each is fenced to the attempt's
 * lease: when another attempt holds the window now, it changes nothing and throws LeaseLostError.
 */

async function endWindow(
  db: Db,
  attempt: WindowAttempt,
  from: readonly WindowStatus[],
  elapsedMs: number,
  values: UpdateObject<Database, 'ops.windows'>,
  writing: string,
): Promise<void> {
  const result = await db
    .updateTable('ops.windows')
    .set((eb) => ({ ...values, duration_ms: eb('duration_ms', '+', elapsedMs), updated_at: new Date() }))
    .where(isWindow(attempt))
    .where('lease', '=', attempt.lease)
    .where('status', 'in', from)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new LeaseLostError(attempt, writing);
}

/** A window being read: the only status from which its job ends it. */
const RUNNING = ['running'] as const satisfies readonly WindowStatus[];

/**
 * Every page was read. `shortfall` is set when the source count still disagreed after every
 * re-read pass: the window succeeded with what it could read, and says so.
 */
export async function finishWindow(
  db: Db,
  attempt: WindowAttempt,
  result: { sourceCount: number | null; shortfall: string | null },
  elapsedMs: number,
  /** COUNTs asked since the last page committed (the reconciliation's). */
  requests = 0,
): Promise<RunStatus | undefined> {
  await endWindow(
    db,
    attempt,
    RUNNING,
    elapsedMs,
    {
      status: 'succeeded',
      source_count: result.sourceCount,
      error: result.shortfall,
      finished_at: new Date(),
      requests: sql<number>`requests + ${requests}::int`,
    },
    "the window's success",
  );
  return endRunAfterWindowSucceeded(db, attempt.runId);
}

/**
 * The run was halted (window skipped) or cancelled (window cancelled) before or while the job ran:
 * from pending (the job found the run stopped when it loaded the window) or running.
 */
export async function stopWindow(
  db: Db,
  attempt: WindowAttempt,
  stop: { status: 'skipped' | 'cancelled'; reason: string },
  elapsedMs: number,
): Promise<void> {
  await endWindow(
    db,
    attempt,
    OPEN_WINDOW_STATUSES,
    elapsedMs,
    { status: stop.status, error: stop.reason, finished_at: new Date() },
    `the window's stop (${stop.status})`,
  );
  await finalizeRunIfDone(db, attempt.runId);
}

/**
 * Shutdown, a store outage or a realm's budget booked ahead: back to pending; the next job resumes
 * after the last committed page. From pending too: a job may release a window it loaded but had
 * not started yet. A release uses no attempt: when the job started the window itself (`started`),
 * the attempt its start counted is given back, so `attempts` counts tries, not the times a window
 * handed its worker slot back (a dense window may do that between many of its pages).
 */
export async function releaseWindow(
  db: Db,
  attempt: WindowAttempt,
  elapsedMs: number,
  started = false,
): Promise<void> {
  await endWindow(
    db,
    attempt,
    started ? RUNNING : OPEN_WINDOW_STATUSES,
    elapsedMs,
    { status: 'pending', ...(started ? { attempts: sql<number>`attempts - 1` } : {}) },
    "the window's release",
  );
}

/** An attempt failed and the job will be tried again: pending, with the attempt's error. */
export async function failWindowAttempt(
  db: Db,
  attempt: WindowAttempt,
  failure: { attempt: number; attempts: number; message: string },
  elapsedMs: number,
): Promise<void> {
  await endWindow(
    db,
    attempt,
    RUNNING,
    elapsedMs,
    {
      status: 'pending',
      error: `attempt ${failure.attempt} of ${failure.attempts} failed: ${failure.message}`,
    },
    "the attempt's failure",
  );
}

/**
 * The window failed for good. It counts towards the circuit breaker, which halts the run after
 * `breakerThreshold` consecutive failed windows.
 */
export async function failWindow(
  db: Db,
  attempt: WindowAttempt,
  message: string,
  elapsedMs: number,
  breakerThreshold: number,
): Promise<BreakerState> {
  await endWindow(
    db,
    attempt,
    RUNNING,
    elapsedMs,
    { status: 'failed', error: message, finished_at: new Date() },
    "the window's failure",
  );
  const breaker = await countWindowFailure(db, attempt.runId, breakerThreshold);
  await finalizeRunIfDone(db, attempt.runId);
  return breaker;
}

/**
 * Only an operator can fix what failed (invalid_grant, credentials, authorization): every other
 * window of the run would fail the same way, so the run halts, with the operator message, and
 * this window fails with it. Both in one transaction: the run cannot be ended as failed by another
 * window between the two, and a stale attempt (LeaseLostError) halts nothing.
 */
export async function failWindowHaltingRun(
  db: Db,
  attempt: WindowAttempt,
  reason: string,
  elapsedMs: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await endWindow(
      trx,
      attempt,
      RUNNING,
      elapsedMs,
      { status: 'failed', error: reason, finished_at: new Date() },
      "the window's failure",
    );
    await haltRun(trx, attempt.runId, reason);
  });
}
