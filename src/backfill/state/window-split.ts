import { sql } from 'kysely';
import type { Db } from '../../infra/db.js';
import { windowJobId } from '../../infra/queue.js';
import { heldBy, LeaseLostError, type WindowAttempt } from './window-key.js';

/** A part of a window that splits: its own window, labelled with its first UTC day. */
export interface WindowPart {
  day: string;
  start: Date;
  end: Date;
}

/**
 * A dense window of an adaptive run splits: it keeps the first part (`end` is its new end) and the
 * other parts become pending windows of the run, each with its first job id, so they are read in
 * parallel. Only the attempt holding the window, while it runs and before it has committed a page
 * (the first page read, not yet committed, falls in the first part). One transaction: either the
 * window shrank and its parts exist, or nothing changed. The caller adds the parts' jobs.
 */
export async function splitWindow(
  db: Db,
  attempt: WindowAttempt,
  end: Date,
  parts: WindowPart[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const shrunk = await sql`UPDATE ops.windows SET window_end_utc = ${end}, updated_at = now()
      WHERE ${heldBy(attempt)} AND status = 'running' AND committed_pages = 0 AND reread_passes = 0
        AND window_start_utc < ${end} AND window_end_utc > ${end}`.execute(trx);
    if ((shrunk.numAffectedRows ?? 0n) === 0n) throw new LeaseLostError(attempt, "the window's split");
    await trx
      .insertInto('ops.windows')
      .values(
        parts.map((p) => ({
          run_id: attempt.runId,
          entity: attempt.entity,
          day: p.day,
          window_start_utc: p.start,
          window_end_utc: p.end,
          status: 'pending' as const,
          job_id: windowJobId(attempt.runId, attempt.entity, p.day, 0),
        })),
      )
      .execute();
  });
}
