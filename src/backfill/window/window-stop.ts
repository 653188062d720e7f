/**
 * How a window's read stops early: its run was halted or cancelled (the window ends skipped or
 * cancelled), or another attempt holds the window now (the job stops without writing).
 */
import { ReleaseJobError } from '../../model/errors/index.js';
import type { Db } from '../../infra/db.js';
import { getWindowAndRun, type RunState, type RunStatus, type WindowAttempt } from '../state/index.js';

/** A window whose run was halted or cancelled before or while it ran. */
export interface StoppedOutcome {
  status: 'skipped' | 'cancelled';
  reason: string;
}

/** Halted or cancelled runs do no more work: their remaining windows end fast as skipped/cancelled. */
export function stopForRun(status: RunStatus, reason: string | null): StoppedOutcome | undefined {
  if (status === 'halted')
    return { status: 'skipped', reason: `run halted: ${reason ?? 'no reason recorded'}` };
  if (status === 'cancelled') return { status: 'cancelled', reason: 'run cancelled' };
  return undefined;
}

/**
 * Thrown once a job found its window held by another attempt (a LeaseLostError): it stops without
 * writing. BullMQ does not move the job: whoever holds its lock now owns it.
 */
export class AttemptSupersededError extends ReleaseJobError {}

/** Why the run stopped, when the window is still this attempt's and its run no longer live. */
export async function stoppedRun(db: Db, attempt: WindowAttempt): Promise<StoppedOutcome | undefined> {
  const { run, window } = await getWindowAndRun(db, attempt);
  if (!run || window?.lease !== attempt.lease || window.status !== 'running') return undefined;
  return stopForRun(run.status, run.statusReason);
}

export function toRunState(run: { status: RunStatus; status_reason: string | null }): RunState {
  return { status: run.status, statusReason: run.status_reason };
}
