import type { UpdateObject } from 'kysely';
import type { Db } from '../db.js';
import type { Database } from '../db-types.js';
import {
  countWindowFailure,
  endRunAfterWindowSucceeded,
  finalizeRunIfDone,
  haltRun,
  type BreakerState,
} from './run-end.js';
import type { RunStatus } from './statuses.js';
import { isWindow, type WindowKey } from './window-key.js';

/**
 * How a window's job ends. Each function is one terminal transition: it adds the job's elapsed
 * time to the window, and ends the run when this was its last open window.
 */

async function endWindow(
  db: Db,
  key: WindowKey,
  elapsedMs: number,
  values: UpdateObject<Database, 'ops.windows'>,
): Promise<void> {
  await db
    .updateTable('ops.windows')
    .set((eb) => ({ ...values, duration_ms: eb('duration_ms', '+', elapsedMs), updated_at: new Date() }))
    .where(isWindow(key))
    .execute();
}

/**
 * Every page was read. `shortfall` is set when the source count still disagreed after every
 * re-read pass: the window succeeded with what it could read, and says so.
 */
export async function finishWindow(
  db: Db,
  key: WindowKey,
  result: { sourceCount: number | null; shortfall: string | null },
  elapsedMs: number,
): Promise<RunStatus | undefined> {
  await endWindow(db, key, elapsedMs, {
    status: 'succeeded',
    source_count: result.sourceCount,
    error: result.shortfall,
    finished_at: new Date(),
  });
  return endRunAfterWindowSucceeded(db, key.runId);
}

/** The run was halted (window skipped) or cancelled (window cancelled) before or while the job ran. */
export async function stopWindow(
  db: Db,
  key: WindowKey,
  stop: { status: 'skipped' | 'cancelled'; reason: string },
  elapsedMs: number,
): Promise<void> {
  await endWindow(db, key, elapsedMs, { status: stop.status, error: stop.reason, finished_at: new Date() });
  await finalizeRunIfDone(db, key.runId);
}

/** Shutdown: back to pending; the next job resumes after the last committed page. */
export async function releaseWindow(db: Db, key: WindowKey, elapsedMs: number): Promise<void> {
  await endWindow(db, key, elapsedMs, { status: 'pending' });
}

/** An attempt failed and the job will be tried again: pending, with the attempt's error. */
export async function failWindowAttempt(
  db: Db,
  key: WindowKey,
  failure: { attempt: number; attempts: number; message: string },
  elapsedMs: number,
): Promise<void> {
  await endWindow(db, key, elapsedMs, {
    status: 'pending',
    error: `attempt ${failure.attempt} of ${failure.attempts} failed: ${failure.message}`,
  });
}

/**
 * The window failed for good. It counts towards the circuit breaker, which halts the run after
 * `breakerThreshold` consecutive failed windows.
 */
export async function failWindow(
  db: Db,
  key: WindowKey,
  message: string,
  elapsedMs: number,
  breakerThreshold: number,
): Promise<BreakerState> {
  await endWindow(db, key, elapsedMs, { status: 'failed', error: message, finished_at: new Date() });
  const breaker = await countWindowFailure(db, key.runId, breakerThreshold);
  await finalizeRunIfDone(db, key.runId);
  return breaker;
}

/**
 * Only an operator can fix what failed (invalid_grant, credentials, authorization): every other
 * window of the run would fail the same way, so the run halts first, with the operator message,
 * and this window fails with it.
 */
export async function failWindowHaltingRun(
  db: Db,
  key: WindowKey,
  reason: string,
  elapsedMs: number,
): Promise<void> {
  await haltRun(db, key.runId, reason);
  await endWindow(db, key, elapsedMs, { status: 'failed', error: reason, finished_at: new Date() });
}
