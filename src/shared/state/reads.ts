import type { Db } from '../db.js';
import { isLiveRunStatus, type RunStatus } from './statuses.js';
import { isWindow, type WindowKey } from './window-key.js';

export async function getRun(db: Db, runId: string) {
  return db.selectFrom('ops.runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

export async function getWindow(db: Db, key: WindowKey) {
  return db.selectFrom('ops.windows').selectAll().where(isWindow(key)).executeTakeFirst();
}

/**
 * Polls the run until its status is one of `wanted` and returns it; rejects after `timeoutMs`
 * saying what the status was.
 */
export async function waitForRunStatus(
  db: Db,
  runId: string,
  wanted: (status: RunStatus) => boolean,
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
    if (run && wanted(run.status)) return run.status;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for run ${runId} (it is ${run?.status ?? 'missing'})`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Polls the run until it has ended (any status but a live one) and returns that status; rejects
 * after `timeoutMs`.
 */
export function waitForRunEnd(
  db: Db,
  runId: string,
  timeoutMs: number,
  intervalMs = 500,
): Promise<RunStatus> {
  return waitForRunStatus(db, runId, (status) => !isLiveRunStatus(status), timeoutMs, intervalMs);
}
