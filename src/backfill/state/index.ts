/**
 * The one owner of run and window state: every write to the status and counters of ops.runs and
 * ops.windows is a named transition here. Callers read and decide; only these functions write.
 *
 * Run:    scheduled -> running -> succeeded | failed | halted | cancelled; reopened to running.
 * Window: pending -> running -> succeeded | failed | skipped | cancelled, or back to pending
 *         (released on shutdown, an attempt that will be retried, requeued by resume/retry).
 */
export * from '../../model/statuses.js';
export * from './window-key.js';
export * from './reads.js';
export * from './run-create.js';
export * from './run-end.js';
export * from './run-cancel.js';
export * from './run-reopen.js';
export * from './window-run.js';
export * from './window-end.js';
export * from './page-commit.js';
export * from './window-split.js';
export * from './report-commit.js';
