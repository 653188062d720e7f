import type { JobsOptions, Queue } from 'bullmq';
import { sql } from 'kysely';
import type { Db } from '../shared/db.js';
import { windowJobId, type WindowJobData } from '../shared/queue.js';
import { getRun, getWindow } from '../shared/run-state.js';
import { CommandFailedError, UsageError } from '../shared/usage-error.js';
import { addPendingJobs } from './enqueue.js';

export interface ResumeResult {
  runId: string;
  /** Windows that were failed, skipped or cancelled (or had lost their job) and are queued again. */
  requeued: number;
  /** Windows still pending whose jobs were checked (re-added if missing). */
  pending: number;
}

/** Moves a run back to running; refuses when another live run covers the same backfill. */
async function reopenRun(db: Db, runId: string): Promise<void> {
  try {
    await sql`
      UPDATE ops.runs SET status = 'running', status_reason = NULL, consecutive_failures = 0,
        finished_at = NULL, updated_at = now()
      WHERE run_id = ${runId}`.execute(db);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new CommandFailedError(
        `another run of the same backfill is scheduled or running; see qbo-backfill status`,
      );
    }
    throw err;
  }
}

/**
 * Queues again every window of a run that has not succeeded. Failed windows keep their committed
 * pages and resume after them; each gets a new job id (next generation) so BullMQ runs it again.
 */
export async function resumeRun(
  db: Db,
  queue: Queue<WindowJobData>,
  runId: string,
  jobOptions?: JobsOptions,
): Promise<ResumeResult> {
  const run = await getRun(db, runId);
  if (!run) throw new UsageError(`--run: no run ${JSON.stringify(runId)}`);
  await reopenRun(db, runId);
  // Windows left pending or running without a live job (a worker died while recording a final
  // failure, a job was removed by hand) would otherwise wait forever: they are queued again too.
  const orphaned: string[] = [];
  const live = await db
    .selectFrom('ops.windows')
    .select(['entity', 'day', 'job_id'])
    .where('run_id', '=', runId)
    .where('status', 'in', ['pending', 'running'])
    .execute();
  for (const w of live) {
    const job = w.job_id ? await queue.getJob(w.job_id) : undefined;
    const state = job ? await job.getState() : 'missing';
    if (['missing', 'unknown', 'failed', 'completed'].includes(state)) orphaned.push(`${w.entity}|${w.day}`);
  }
  // Same id scheme as windowJobId(): run.entity.day.generation.
  const reopened = await sql<{ entity: string; day: string }>`
    UPDATE ops.windows SET status = 'pending', generation = generation + 1,
      job_id = run_id || '.' || entity || '.' || day::text || '.' || (generation + 1)::text,
      error = NULL, finished_at = NULL, updated_at = now()
    WHERE run_id = ${runId}
      AND (status IN ('failed','skipped','cancelled') OR entity || '|' || day::text = ANY(${orphaned}::text[]))
    RETURNING entity, day`.execute(db);
  const pending = await addPendingJobs(db, queue, run, new Date(), undefined, jobOptions);
  return { runId, requeued: reopened.rows.length, pending };
}

/** Runs one window again, whatever it ended as; a succeeded window is read again from page one. */
export async function retryWindow(
  db: Db,
  queue: Queue<WindowJobData>,
  runId: string,
  entity: string,
  day: string,
  jobOptions?: JobsOptions,
): Promise<{ jobId: string }> {
  const run = await getRun(db, runId);
  if (!run) throw new UsageError(`--run: no run ${JSON.stringify(runId)}`);
  const window = await getWindow(db, runId, entity, day);
  if (!window) throw new UsageError(`run ${runId} has no window ${entity} ${day}`);
  if (window.status === 'running') throw new CommandFailedError(`window ${entity} ${day} is running now`);
  if (window.status === 'pending') {
    const existing = window.job_id ? await queue.getJob(window.job_id) : undefined;
    if (existing) return { jobId: existing.id ?? window.job_id ?? '' };
  }
  const generation = window.generation + 1;
  const jobId = windowJobId(runId, entity, day, generation);
  const fresh = window.status === 'succeeded';
  await db
    .updateTable('ops.windows')
    .set({
      status: 'pending',
      generation,
      job_id: jobId,
      error: null,
      finished_at: null,
      updated_at: new Date(),
      // A succeeded window is read in full again; a failed one resumes after its committed pages.
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
    .where('run_id', '=', runId)
    .where('entity', '=', entity)
    .where('day', '=', day)
    .execute();
  if (!['scheduled', 'running'].includes(run.status)) await reopenRun(db, runId);
  await addPendingJobs(db, queue, run, new Date(), undefined, jobOptions);
  return { jobId };
}
