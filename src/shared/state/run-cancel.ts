import type { Db } from '../db.js';

/**
 * Marks the run cancelled first, so a window that starts meanwhile stops at once (its job reads
 * the run's status before and between pages).
 */
export async function markRunCancelled(db: Db, runId: string): Promise<void> {
  await db
    .updateTable('ops.runs')
    .set({
      status: 'cancelled',
      status_reason: 'cancelled by the operator',
      finished_at: new Date(),
      updated_at: new Date(),
    })
    .where('run_id', '=', runId)
    .execute();
}

/** Ends the run's windows that never started as cancelled; returns how many. */
export async function cancelPendingWindows(db: Db, runId: string): Promise<number> {
  const result = await db
    .updateTable('ops.windows')
    .set({ status: 'cancelled', error: 'run cancelled', finished_at: new Date(), updated_at: new Date() })
    .where('run_id', '=', runId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
