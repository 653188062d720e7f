/**
 * Every status a run or a window can have, declared once. The column types (db-types.ts), the
 * dashboard's labels and every list of "live" or "ended" statuses derive from these arrays.
 *
 * Adding a status needs a new migration that widens the CHECK constraints: the first migration
 * holds the lists as they were then, as literals, and a test
 * (test/foundation/migration-literals.test.ts) fails until the constraints allow these lists.
 */

/** A run's life: scheduled until its first window starts, running, then one of the four ends. */
export const RUN_STATUSES = ['scheduled', 'running', 'succeeded', 'failed', 'halted', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A window's life: pending (queued, or released to the queue again), running, then one of four ends. */
export const WINDOW_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type WindowStatus = (typeof WINDOW_STATUSES)[number];

/** Runs whose windows may still execute: at most one live run per backfill (dedupe key). */
export const LIVE_RUN_STATUSES = ['scheduled', 'running'] as const satisfies readonly RunStatus[];

/** Windows a run still waits for: while any is left, the run cannot end. */
export const OPEN_WINDOW_STATUSES = ['pending', 'running'] as const satisfies readonly WindowStatus[];

/** Windows that ended without their data: a run with any of them ends failed, and resume requeues them. */
export const UNSUCCESSFUL_WINDOW_STATUSES = [
  'failed',
  'skipped',
  'cancelled',
] as const satisfies readonly WindowStatus[];

/** Windows a job must not run again: a duplicate or late job finds them done. */
export const DONE_WINDOW_STATUSES = [
  'succeeded',
  'skipped',
  'cancelled',
] as const satisfies readonly WindowStatus[];

export function isLiveRunStatus(status: RunStatus): boolean {
  return (LIVE_RUN_STATUSES as readonly RunStatus[]).includes(status);
}

export function isDoneWindowStatus(status: WindowStatus): boolean {
  return (DONE_WINDOW_STATUSES as readonly WindowStatus[]).includes(status);
}

/** `'a','b'`: a status list as SQL literals, for the state machine's queries. */
export function sqlLiteralList(values: readonly string[]): string {
  return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
}
