import { sql } from 'kysely';
import { PREPARED, type Db } from '../../infra/db.js';
import { isLiveRunStatus, type RunStatus, type WindowStatus } from '../../model/statuses.js';
import { isWindow, type WindowKey } from './window-key.js';

export async function getRun(db: Db, runId: string) {
  return db.selectFrom('ops.runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

export async function getWindow(db: Db, key: WindowKey) {
  return db.selectFrom('ops.windows').selectAll().where(isWindow(key)).executeTakeFirst();
}

/**
 * The window of the run that reads `key.day` for the entity: the day's own window in a day plan,
 * the window whose range holds the day in an adaptive one (a span, or a part of a split), the
 * run's one window for an entity read whole.
 */
export async function getWindowCovering(db: Db, key: WindowKey) {
  const start = new Date(`${key.day}T00:00:00Z`);
  const end = new Date(start.getTime() + 86_400_000);
  return db
    .selectFrom('ops.windows')
    .selectAll()
    .where('run_id', '=', key.runId)
    .where('entity', '=', key.entity)
    .where('window_start_utc', '<', end)
    .where('window_end_utc', '>', start)
    .orderBy('window_start_utc')
    .executeTakeFirst();
}

/**
 * Windows of the realm's live runs that have begun and not ended: running now, or set back to
 * pending (waiting for the budget, or to be retried) with pages or passes behind them.
 */
export async function begunWindowsOfRealm(db: Db, realmId: string): Promise<number> {
  const row = await db
    .selectFrom('ops.windows as w')
    .innerJoin('ops.runs as r', 'r.run_id', 'w.run_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('r.realm_id', '=', realmId)
    .where('r.status', 'in', ['scheduled', 'running'])
    .where((eb) =>
      eb.or([
        eb('w.status', '=', 'running'),
        eb.and([
          eb('w.status', '=', 'pending'),
          eb.or([eb('w.committed_pages', '>', 0), eb('w.reread_passes', '>', 0)]),
        ]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The state of a run that a window job checks before and between pages (halted, cancelled). */
export interface RunState {
  status: RunStatus;
  statusReason: string | null;
}

/** What a window job needs to know of its window before it starts. */
export interface WindowState {
  status: WindowStatus;
  jobId: string | null;
  committedPages: number;
  rereadPasses: number;
  /** The lease the window holds now: the job starts it only if it still holds this one. */
  lease: number;
  /** The window's range as stored: a split shrinks it, so the job reads it from here, not its data. */
  start: Date;
  end: Date;
  /**
   * True for the window an adaptive plan made for an entity, over the run's whole range: when its
   * first page finds it dense, it splits. Its parts are not split again: each holds about a part's
   * worth of records, or one day.
   */
  splittable: boolean;
  /**
   * True for the first part of a window that split (its start is the run's, its end no longer
   * is): its job added the other parts' jobs right after the split, unless it died in between.
   */
  split: boolean;
}

/**
 * A window job's first look, in one statement (it runs once per job, which for one-page windows
 * is once per request): the run's state, and the window's, or undefined for either that does not
 * exist.
 */
export async function getWindowAndRun(
  db: Db,
  key: WindowKey,
): Promise<{ run: RunState | undefined; window: WindowState | undefined }> {
  // Plain SQL: a hot statement, where building Kysely's query tree cost more CPU than running it.
  const { rows } = await sql<{
    run_status: RunStatus;
    run_status_reason: string | null;
    status: WindowStatus | null;
    job_id: string | null;
    committed_pages: number | null;
    reread_passes: number | null;
    lease: number | null;
    window_start_utc: Date | null;
    window_end_utc: Date | null;
    adaptive_first: boolean | null;
    whole_range: boolean | null;
  }>`${sql.raw(PREPARED)}
    SELECT r.status AS run_status, r.status_reason AS run_status_reason,
      w.status, w.job_id, w.committed_pages, w.reread_passes, w.lease,
      w.window_start_utc, w.window_end_utc,
      (r.windows_plan = 'adaptive' AND w.window_start_utc = r.range_start_utc) AS adaptive_first,
      w.window_end_utc = r.range_end_utc AS whole_range
    FROM ops.runs r
      LEFT JOIN ops.windows w ON w.run_id = r.run_id AND w.entity = ${key.entity} AND w.day = ${key.day}
    WHERE r.run_id = ${key.runId}`.execute(db);
  const row = rows[0];
  if (!row) return { run: undefined, window: undefined };
  const run = { status: row.run_status, statusReason: row.run_status_reason };
  if (row.status === null) return { run, window: undefined };
  return {
    run,
    window: {
      status: row.status,
      jobId: row.job_id,
      committedPages: row.committed_pages ?? 0,
      rereadPasses: row.reread_passes ?? 0,
      lease: row.lease ?? 0,
      start: row.window_start_utc as Date,
      end: row.window_end_utc as Date,
      // An adaptive plan's window that starts where the run does: the entity's whole window, or the
      // first part of it once it split.
      splittable: row.adaptive_first === true && row.whole_range === true,
      split: row.adaptive_first === true && row.whole_range === false,
    },
  };
}

/**
 * Polls the run until its status is one of `wanted` and returns it; rejects after `timeoutMs`
 * saying what the status was.
 */
/** Defaults of waiting for a run, declared once. */
export const RUN_WAIT_DEFAULTS = Object.freeze({
  /** How often the run's status is read while waiting for it. @defaultValue 500 */
  pollIntervalMs: 500,
});

export async function waitForRunStatus(
  db: Db,
  runId: string,
  wanted: (status: RunStatus) => boolean,
  timeoutMs: number,
  intervalMs: number = RUN_WAIT_DEFAULTS.pollIntervalMs,
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
  intervalMs: number = RUN_WAIT_DEFAULTS.pollIntervalMs,
): Promise<RunStatus> {
  return waitForRunStatus(db, runId, (status) => !isLiveRunStatus(status), timeoutMs, intervalMs);
}
