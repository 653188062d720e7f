import { sql } from 'kysely';
import type { Db } from '../../infra/db.js';
import { windowJobId } from '../../infra/queue.js';
import { CommandFailedError } from '../../model/usage-error.js';
import {
  isLiveRunStatus,
  OPEN_WINDOW_STATUSES,
  UNSUCCESSFUL_WINDOW_STATUSES,
  type RunStatus,
  type WindowStatus,
} from '../../model/statuses.js';
import { isWindow, type WindowKey } from './window-key.js';

/**
 * Resume and retry: a run back to running, windows back to pending under a new job id and a new
 * lease (which fences out any attempt still running on the window). These are the only ways back:
 * each names the statuses it reopens from.
 */

/** The runs `resume` reopens: ended without all their data. A succeeded run has nothing to resume. */
export const RESUMABLE_RUN_STATUSES = [
  'failed',
  'halted',
  'cancelled',
] as const satisfies readonly RunStatus[];

/** The runs a retried window reopens: any that has ended, a succeeded one included (its window is read again). */
export const RETRYABLE_RUN_STATUSES = [
  'succeeded',
  ...RESUMABLE_RUN_STATUSES,
] as const satisfies readonly RunStatus[];

/**
 * Moves a run that ended as one of `from` back to running with a fresh breaker; false (nothing
 * changed) when it is in another state. Refuses when another live run covers the same backfill.
 */
export async function reopenRun(db: Db, runId: string, from: readonly RunStatus[]): Promise<boolean> {
  try {
    const result = await db
      .updateTable('ops.runs')
      .set({
        status: 'running',
        status_reason: null,
        consecutive_failures: 0,
        finished_at: null,
        updated_at: new Date(),
      })
      .where('run_id', '=', runId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  } catch (err) {
    // 23505: the partial unique index allows one live run per dedupe key.
    if ((err as { code?: string }).code === '23505') {
      throw new CommandFailedError(
        `another run of the same backfill is scheduled or running; see qbo-backfill status`,
      );
    }
    throw err;
  }
}

/** The next generation of a window: a job id BullMQ has not seen, so the window runs again. */
function nextGeneration(key: WindowKey, generation: number) {
  return {
    generation: generation + 1,
    job_id: windowJobId(key.runId, key.entity, key.day, generation + 1),
    lease: sql<number>`lease + 1`,
  };
}

/**
 * Every window of the run that ended without its data, plus the `orphaned` ones (open but without
 * a live job), back to pending under a new job id. They keep their committed pages and resume
 * after them. Returns the windows requeued.
 */
export async function requeueUnfinishedWindows(
  db: Db,
  runId: string,
  orphaned: { entity: string; day: string }[],
  statuses: readonly WindowStatus[] = UNSUCCESSFUL_WINDOW_STATUSES,
): Promise<WindowKey[]> {
  return db.transaction().execute(async (trx) => {
    const windows = await trx
      .selectFrom('ops.windows')
      .select(['entity', 'day', 'generation'])
      .where('run_id', '=', runId)
      .where((eb) =>
        eb.or([
          eb('status', 'in', statuses),
          ...orphaned.map((o) =>
            eb.and([
              eb('entity', '=', o.entity),
              eb('day', '=', o.day),
              eb('status', 'in', OPEN_WINDOW_STATUSES),
            ]),
          ),
        ]),
      )
      .forUpdate()
      .execute();
    const keys = windows.map((w) => ({ runId, entity: w.entity, day: w.day }));
    for (const [i, key] of keys.entries()) {
      await trx
        .updateTable('ops.windows')
        .set({
          status: 'pending',
          ...nextGeneration(key, windows[i]?.generation ?? 0),
          error: null,
          finished_at: null,
          updated_at: new Date(),
        })
        .where(isWindow(key))
        .execute();
    }
    return keys;
  });
}

/**
 * `retry`: one window back to pending under a new job id, whatever it ended as, or pending without
 * a job. This is the one path that reopens a succeeded window (`fresh`): it is read in full again,
 * its counters from zero; any other resumes after its committed pages. Never a running window: its
 * job is reading it now. Returns the job id, or undefined when the window was running (or had
 * another generation: someone requeued it meanwhile) and nothing changed.
 */
export async function requeueWindow(
  db: Db,
  key: WindowKey,
  generation: number,
  fresh: boolean,
): Promise<string | undefined> {
  const next = nextGeneration(key, generation);
  // Atomic with whatever the caller does in its own transaction (retry reopens the run with it).
  const inTransaction = (work: (trx: Db) => Promise<string | undefined>) =>
    db.isTransaction ? work(db) : db.transaction().execute(work);
  return inTransaction(async (trx) => {
    const result = await trx
      .updateTable('ops.windows')
      .set({
        status: 'pending',
        ...next,
        error: null,
        finished_at: null,
        updated_at: new Date(),
        ...(fresh
          ? {
              committed_pages: 0,
              reread_passes: 0,
              pages: 0,
              rows_fetched: 0,
              inserted: 0,
              updated: 0,
              unchanged: 0,
              skipped: 0,
              temporal_anomalies: 0,
              source_count: null,
            }
          : {}),
      })
      .where(isWindow(key))
      .where('generation', '=', generation)
      .where('status', fresh ? '=' : 'in', fresh ? 'succeeded' : ['pending', ...UNSUCCESSFUL_WINDOW_STATUSES])
      .returning(['window_start_utc', 'window_end_utc'])
      .executeTakeFirst();
    if (!result) return undefined;
    // A fresh read counts its days from zero too (a window over several days, see ops.window_days).
    if (fresh)
      await trx
        .deleteFrom('ops.window_days')
        .where('run_id', '=', key.runId)
        .where('entity', '=', key.entity)
        .where(sql<boolean>`day >= (${result.window_start_utc}::timestamptz AT TIME ZONE 'UTC')::date`)
        .where(sql<boolean>`day < (${result.window_end_utc}::timestamptz AT TIME ZONE 'UTC')`)
        .execute();
    return next.job_id;
  });
}

/**
 * A failed window's own job runs again: BullMQ never re-runs a job that failed for good by itself,
 * so someone retried it (Bull Board's "Retry", or "Retry all"). Its run is reopened the way
 * `qbo-backfill retry` reopens it, so the run can end succeeded once its windows have; when the run
 * had been halted, the windows it skipped are requeued as `resume` would (the failed ones are left
 * to their own retried jobs). The retried window itself is pending again first, whether or not its
 * run was reopened already. Returns the windows requeued, whose jobs the caller adds.
 */
export async function reopenForRetriedWindow(db: Db, key: WindowKey): Promise<WindowKey[]> {
  // The window first, back to pending under the same job and a new lease: the run cannot end while
  // it is open, and an attempt of it still running somewhere (a lapsed lock) is fenced out.
  const reopened = await db
    .updateTable('ops.windows')
    .set((eb) => ({
      status: 'pending',
      error: null,
      finished_at: null,
      lease: eb('lease', '+', 1),
      updated_at: new Date(),
    }))
    .where(isWindow(key))
    .where('status', '=', 'failed')
    .executeTakeFirst();
  // Only a window this reopened reopens its run: another retry (or a job) got to it first.
  if (reopened.numUpdatedRows === 0n) return [];
  const run = await db
    .selectFrom('ops.runs')
    .select('status')
    .where('run_id', '=', key.runId)
    .executeTakeFirst();
  // A cancelled run stays cancelled: the operator's cancel outranks a click on Retry.
  if (!run || isLiveRunStatus(run.status) || run.status === 'cancelled') return [];
  await reopenRun(db, key.runId, RETRYABLE_RUN_STATUSES);
  return run.status === 'halted' ? requeueUnfinishedWindows(db, key.runId, [], ['skipped']) : [];
}
