import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunStatus } from '../../src/backfill/state/index.js';
import { runCli } from '../helpers/cli.js';
import {
  commandArgs,
  jobOf,
  retriedLine,
  runStates,
  type Run,
  type RunStates,
} from '../helpers/run-states.js';

/**
 * `cancel`, `resume` and `retry` on a run in each of its six states, through the command line:
 * the exit code, the one line it prints, and what it changed (the run, its two windows, the
 * queue's jobs). An impossible move exits 2 naming the run's state and changes nothing at all.
 */

/**
 * What a command that is not refused leaves: its line; the run (its status, whether it has a
 * reason and an end); its windows, each as "status generation lease pages"; its jobs, each as
 * "window generation state". Windows and jobs are listed with ", " between them.
 */
interface Changed {
  out: string;
  run: [RunStatus, boolean, boolean];
  windows: string;
  jobs: string;
}
type Expected = Changed | { refused: string };
type Expect = (run: Run) => Expected;

/** A command that moves the run: a cancelled run has a reason and an end, a live one neither. */
const left =
  (out: (run: Run) => string, status: RunStatus, windows: string, jobs: string): Expect =>
  (run) => ({ out: out(run), run: [status, status === 'cancelled', status === 'cancelled'], windows, jobs });
/** A command the run's state refuses: exit 2 with the run and the reason. */
const refused =
  (why: string): Expect =>
  (run) => ({ refused: `run ${run.runId} ${why}` });
const cancelledLine = (jobs: number, windows: number) => (run: Run) =>
  `run ${run.runId} cancelled: ${jobs} job(s) removed, ${windows} window(s) cancelled`;
const resumedLine = (again: number, pending: number) => (run: Run) =>
  `run ${run.runId}: ${again} window(s) enqueued again, ${pending} pending in all`;

const commands: Record<keyof typeof commandArgs, Record<RunStatus, Expect>> = {
  cancel: {
    scheduled: left(cancelledLine(2, 2), 'cancelled', 'cancelled 0 1 0, cancelled 0 1 0', ''),
    // The running window is left to stop after its page; its job stays.
    running: left(cancelledLine(1, 1), 'cancelled', 'running 0 1 1, cancelled 0 1 0', '0 0 delayed'),
    succeeded: refused('already succeeded: nothing to cancel'),
    failed: refused('already failed: nothing to cancel'),
    halted: refused('already halted: nothing to cancel'),
    cancelled: refused('already cancelled: nothing to cancel'),
  },
  resume: {
    // A live run stays as it is: its windows have their jobs, nothing to queue again.
    scheduled: left(
      resumedLine(0, 2),
      'scheduled',
      'pending 0 0 0, pending 0 0 0',
      '0 0 delayed, 1 0 delayed',
    ),
    running: left(resumedLine(0, 1), 'running', 'running 0 1 1, pending 0 0 0', '0 0 delayed, 1 0 delayed'),
    succeeded: refused('already succeeded: nothing to resume'),
    // The failed window again, under its next generation and lease, after its committed page.
    failed: left(resumedLine(1, 1), 'running', 'pending 1 2 1, succeeded 0 1 1', '0 1 waiting'),
    halted: left(resumedLine(2, 2), 'running', 'pending 1 2 1, pending 1 1 0', '0 1 waiting, 1 1 waiting'),
    cancelled: left(resumedLine(2, 2), 'running', 'pending 1 2 1, pending 1 2 0', '0 1 waiting, 1 1 waiting'),
  },
  // The first day's window, in each state the run leaves it.
  retry: {
    // Pending with its job queued: that job, nothing added.
    scheduled: left(
      retriedLine(0, 0),
      'scheduled',
      'pending 0 0 0, pending 0 0 0',
      '0 0 delayed, 1 0 delayed',
    ),
    running: (run) => ({
      refused: `window invoices ${run.days[0]} of run ${run.runId} is running: nothing to retry`,
    }),
    // Read again from page one, and its run runs again until it has.
    succeeded: left(retriedLine(0, 1), 'running', 'pending 1 2 0, succeeded 0 1 1', '0 1 waiting'),
    failed: left(retriedLine(0, 1), 'running', 'pending 1 2 1, succeeded 0 1 1', '0 1 waiting'),
    halted: left(retriedLine(0, 1), 'running', 'pending 1 2 1, skipped 0 0 0', '0 1 waiting'),
    cancelled: left(retriedLine(0, 1), 'running', 'pending 1 2 1, cancelled 0 1 0', '0 1 waiting'),
  },
};

describe('cancel, resume and retry on a run in every state', () => {
  let runs: RunStates;

  before(async () => {
    runs = await runStates('run-states');
  });
  after(() => runs.close());

  for (const [command, expect] of Object.entries(commands) as [
    keyof typeof commands,
    Record<RunStatus, Expect>,
  ][]) {
    for (const [state, expected] of Object.entries(expect) as [RunStatus, Expect][]) {
      const what = (e: Expected) =>
        'refused' in e ? 'exits 2 and changes nothing' : `exits 0, leaving the run ${e.run[0]}`;
      it(`${command} on a ${state} run ${what(expected({ runId: 'R', days: ['D', 'D'], from: new Date() }))}`, async () => {
        const run = await runs.enqueue();
        await runs.reach[state](run);
        const before = await runs.snapshot(run.runId);
        assert.equal(before.run.status, state);
        const e = expected(run);
        const r = await runCli(commandArgs[command](run), runs.env);
        if ('refused' in e) {
          assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `qbo-backfill ${command}: ${e.refused}\n`]);
          assert.deepEqual(await runs.snapshot(run.runId), before);
          return;
        }
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${e.out}\n`, '']);
        const job = (j: string) => {
          const [i, generation, jobState] = j.split(' ');
          return `${jobOf(run, Number(i), Number(generation))} ${jobState}`;
        };
        assert.deepEqual(runs.summary(await runs.snapshot(run.runId)), {
          run: e.run,
          windows: e.windows.split(', '),
          jobs: e.jobs === '' ? [] : e.jobs.split(', ').map(job).sort(),
        });
      });
    }
  }
});
