/**
 * Runs in each of their six states, reached by the state functions the worker and the operator
 * use, over stores of their own: what the tests of `cancel`, `resume` and `retry` start from, and
 * everything a command could change, to compare before and after.
 */
import assert from 'node:assert/strict';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { windowJobId } from '../../src/infra/queue.js';
import {
  cancelPendingWindows,
  commitPageWithUpsert,
  failWindow,
  failWindowHaltingRun,
  finishWindow,
  getWindow,
  markRunCancelled,
  startWindow,
  stopWindow,
  type RunStatus,
  type WindowAttempt,
  type WindowKey,
} from '../../src/backfill/state/index.js';
import { runRows } from './db.js';
import { queueStores } from './stores.js';

/** A run of invoices over two days: its id, its windows' days, and the first of them. */
export interface Run {
  runId: string;
  days: string[];
  from: Date;
}

export type RunStates = Awaited<ReturnType<typeof runStates>>;

/** The command line of each command on a run; `retry` names the run's first window. */
export const commandArgs = {
  cancel: (run: Run) => ['cancel', '--run', run.runId],
  resume: (run: Run) => ['resume', '--run', run.runId],
  retry: (run: Run) => ['retry', '--run', run.runId, '--entity', 'invoices', '--day', run.days[0] ?? ''],
};

/** The job of the run's window `i` under its generation. */
export const jobOf = (run: Run, i: number, generation: number) =>
  windowJobId(run.runId, 'invoices', run.days[i] ?? '', generation);

/** What `retry` prints for the run's window `i`, queued under its generation's job. */
export const retriedLine = (i: number, generation: number) => (run: Run) =>
  `window invoices ${run.days[i]} of run ${run.runId} enqueued as job ${jobOf(run, i, generation)}`;

/** Fresh stores (labelled `label`) and the runs on them. */
export async function runStates(label: string) {
  const stores = await queueStores(label);
  const db = stores.tdb.db;
  const { queue } = stores;
  let n = 0;
  /** A run of invoices over two days (a backfill of its own), its jobs delayed by an hour. */
  const enqueue = async (from = new Date(Date.UTC(2025, 0, 1 + 2 * n++))): Promise<Run> => {
    const plan = planBackfill({
      windows: 'day',
      realmId: '1',
      entities: ['invoices'],
      from,
      to: new Date(from.getTime() + 2 * 86_400_000),
      startAt: new Date(Date.now() + 3_600_000),
      pageSize: 100,
    });
    const { runId } = await enqueueBackfill(db, queue, plan);
    const days = plan.windows.map((w) => w.day);
    assert.equal(days.length, 2);
    return { runId, days, from };
  };

  /** What the worker does, by the state functions it uses. */
  const worker = (run: Run) => {
    const key = (i: number): WindowKey => ({ runId: run.runId, entity: 'invoices', day: run.days[i] ?? '' });
    const loaded = async (i: number): Promise<WindowAttempt> => {
      const w = await getWindow(db, key(i));
      assert.ok(w);
      return { ...key(i), lease: w.lease };
    };
    return {
      loaded,
      /** Starts the window and commits one page of 3 rows: the attempt. */
      async read(i: number) {
        const started = await startWindow(
          db,
          await loaded(i),
          windowJobId(run.runId, 'invoices', key(i).day, 0),
        );
        assert.ok(started);
        await commitPageWithUpsert(db, started.attempt, undefined, {
          pageNumber: 1,
          rowsFetched: 3,
          skipped: 0,
          temporalAnomalies: 0,
        });
        return started.attempt;
      },
      /** The job is done with its window: BullMQ no longer lists it (removeOnComplete). */
      async jobDone(i: number) {
        await queue.remove(windowJobId(run.runId, 'invoices', key(i).day, 0));
      },
    };
  };

  /** Each state as the worker (and, for cancelled, the operator) leaves it. */
  const reach: Record<RunStatus, (run: Run) => Promise<void>> = {
    scheduled: () => Promise.resolve(),
    running: async (run) => {
      await worker(run).read(0);
    },
    succeeded: async (run) => {
      const w = worker(run);
      for (const i of [0, 1]) {
        await finishWindow(db, await w.read(i), { sourceCount: 3, shortfall: null }, 1);
        await w.jobDone(i);
      }
    },
    failed: async (run) => {
      const w = worker(run);
      await failWindow(db, await w.read(0), 'HTTP 400', 1, 3);
      await finishWindow(db, await w.read(1), { sourceCount: 3, shortfall: null }, 1);
      for (const i of [0, 1]) await w.jobDone(i);
    },
    halted: async (run) => {
      const w = worker(run);
      const reason = 'QBO rejected the refresh token for realm 1 (invalid_grant): reconnect the app';
      await failWindowHaltingRun(db, await w.read(0), reason, 1);
      await stopWindow(db, await w.loaded(1), { status: 'skipped', reason: `run halted: ${reason}` }, 0);
      for (const i of [0, 1]) await w.jobDone(i);
    },
    cancelled: async (run) => {
      // Cancelled while its first window ran: the pending one is cancelled with the run, the
      // running one stops after its page.
      const w = worker(run);
      const reading = await w.read(0);
      assert.deepEqual(await markRunCancelled(db, run.runId), { cancelled: true, was: 'running' });
      assert.equal(await cancelPendingWindows(db, run.runId), 1);
      await w.jobDone(1);
      await stopWindow(db, reading, { status: 'cancelled', reason: 'run cancelled' }, 1);
      await w.jobDone(0);
    },
  };

  /** Everything a command could change: the run's row, its windows' rows, its jobs and their states. */
  const snapshot = async (runId: string) => {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
    return {
      ...(await runRows(db, runId)),
      jobs: (
        await Promise.all(
          jobs.filter((j) => j.data.runId === runId).map(async (j) => `${j.id ?? ''} ${await j.getState()}`),
        )
      ).sort(),
    };
  };
  /**
   * The run's status, whether it has a reason and an end; each window's status, generation, lease
   * and pages, in one line; the jobs.
   */
  const summary = (s: Awaited<ReturnType<typeof snapshot>>) => ({
    run: [s.run.status, s.run.status_reason !== null, s.run.finished_at !== null],
    windows: s.windows.map((w) => `${w.status} ${w.generation} ${w.lease} ${w.pages}`),
    jobs: s.jobs,
  });

  return { enqueue, reach, snapshot, summary, env: stores.env, close: stores.close };
}
