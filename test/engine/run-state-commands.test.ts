import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { QUEUE_NAME, windowJobId, type WindowJobData } from '../../src/infra/queue.js';
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
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, runRows, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

/**
 * `cancel`, `resume` and `retry` on a run in each of its six states, through the command line:
 * the exit code, the one line it prints, and what it changed (the run, its two windows, the
 * queue's jobs). An impossible move exits 2 naming the run's state and changes nothing at all.
 */

/** What `retry` prints for the run's first window, queued again under its next job id. */
const requeuedLine = (run: { runId: string; days: string[] }) =>
  `window invoices ${run.days[0]} of run ${run.runId} enqueued as job ${windowJobId(run.runId, 'invoices', run.days[0] ?? '', 1)}`;

describe('cancel, resume and retry on a run in every state', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue<WindowJobData>;
  let env: Record<string, string>;
  let n = 0;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('run-states');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    env = {
      DATABASE_URL: tdb.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      QBO_ENVIRONMENT: 'emulator',
    };
  });
  after(async () => {
    await queue.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  /** A run of invoices over two days (a backfill of its own), its jobs delayed by an hour. */
  const enqueue = async (from = new Date(Date.UTC(2025, 0, 1 + 2 * n++))) => {
    const plan = planBackfill({
      windows: 'day',
      realmId: '1',
      entities: ['invoices'],
      from,
      to: new Date(from.getTime() + 2 * 86_400_000),
      startAt: new Date(Date.now() + 3_600_000),
      pageSize: 100,
    });
    const { runId } = await enqueueBackfill(tdb.db, queue, plan);
    const days = plan.windows.map((w) => w.day);
    assert.equal(days.length, 2);
    return { runId, days, from };
  };
  type Run = Awaited<ReturnType<typeof enqueue>>;

  /** What the worker does, by the state functions it uses. */
  const worker = (run: Run) => {
    const key = (i: number): WindowKey => ({ runId: run.runId, entity: 'invoices', day: run.days[i] ?? '' });
    const loaded = async (i: number): Promise<WindowAttempt> => {
      const w = await getWindow(tdb.db, key(i));
      assert.ok(w);
      return { ...key(i), lease: w.lease };
    };
    return {
      loaded,
      /** Starts the window and commits one page of 3 rows: the attempt. */
      async read(i: number) {
        const started = await startWindow(
          tdb.db,
          await loaded(i),
          windowJobId(run.runId, 'invoices', key(i).day, 0),
        );
        assert.ok(started);
        await commitPageWithUpsert(tdb.db, started.attempt, undefined, {
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
        await finishWindow(tdb.db, await w.read(i), { sourceCount: 3, shortfall: null }, 1);
        await w.jobDone(i);
      }
    },
    failed: async (run) => {
      const w = worker(run);
      await failWindow(tdb.db, await w.read(0), 'HTTP 400', 1, 3);
      await finishWindow(tdb.db, await w.read(1), { sourceCount: 3, shortfall: null }, 1);
      for (const i of [0, 1]) await w.jobDone(i);
    },
    halted: async (run) => {
      const w = worker(run);
      const reason = 'QBO rejected the refresh token for realm 1 (invalid_grant): reconnect the app';
      await failWindowHaltingRun(tdb.db, await w.read(0), reason, 1);
      await stopWindow(tdb.db, await w.loaded(1), { status: 'skipped', reason: `run halted: ${reason}` }, 0);
      for (const i of [0, 1]) await w.jobDone(i);
    },
    cancelled: async (run) => {
      // Cancelled while its first window ran: the pending one is cancelled with the run, the
      // running one stops after its page.
      const w = worker(run);
      const reading = await w.read(0);
      assert.deepEqual(await markRunCancelled(tdb.db, run.runId), { cancelled: true, was: 'running' });
      assert.equal(await cancelPendingWindows(tdb.db, run.runId), 1);
      await w.jobDone(1);
      await stopWindow(tdb.db, reading, { status: 'cancelled', reason: 'run cancelled' }, 1);
      await w.jobDone(0);
    },
  };

  /** Everything a command could change: the run's row, its windows' rows, its jobs and their states. */
  const snapshot = async (runId: string) => {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
    return {
      ...(await runRows(tdb.db, runId)),
      jobs: (
        await Promise.all(
          jobs.filter((j) => j.data.runId === runId).map(async (j) => `${j.id ?? ''} ${await j.getState()}`),
        )
      ).sort(),
    };
  };
  /** The run's status, whether it has a reason and an end; each window's status, generation, lease and pages; the jobs. */
  const summary = (s: Awaited<ReturnType<typeof snapshot>>) => ({
    run: [s.run.status, s.run.status_reason !== null, s.run.finished_at !== null],
    windows: s.windows.map((w) => [w.status, w.generation, w.lease, w.pages]),
    jobs: s.jobs,
  });

  /** What a command that is not refused leaves; a run's jobs are named by window index and generation. */
  interface Changed {
    out: string;
    run: [RunStatus, boolean, boolean];
    windows: [string, number, number, number][];
    jobs: [number, number, string][];
  }
  type Expected = Changed | { refused: string };
  const commands: Record<
    'cancel' | 'resume' | 'retry',
    { args: (run: Run) => string[]; expect: Record<RunStatus, (run: Run) => Expected> }
  > = {
    cancel: {
      args: (run) => ['cancel', '--run', run.runId],
      expect: {
        scheduled: (run) => ({
          out: `run ${run.runId} cancelled: 2 job(s) removed, 2 window(s) cancelled`,
          run: ['cancelled', true, true],
          windows: [
            ['cancelled', 0, 1, 0],
            ['cancelled', 0, 1, 0],
          ],
          jobs: [],
        }),
        // The running window is left to stop after its page; its job stays.
        running: (run) => ({
          out: `run ${run.runId} cancelled: 1 job(s) removed, 1 window(s) cancelled`,
          run: ['cancelled', true, true],
          windows: [
            ['running', 0, 1, 1],
            ['cancelled', 0, 1, 0],
          ],
          jobs: [[0, 0, 'delayed']],
        }),
        succeeded: (run) => ({ refused: `run ${run.runId} already succeeded: nothing to cancel` }),
        failed: (run) => ({ refused: `run ${run.runId} already failed: nothing to cancel` }),
        halted: (run) => ({ refused: `run ${run.runId} already halted: nothing to cancel` }),
        cancelled: (run) => ({ refused: `run ${run.runId} already cancelled: nothing to cancel` }),
      },
    },
    resume: {
      args: (run) => ['resume', '--run', run.runId],
      expect: {
        // A live run stays as it is: its windows have their jobs, nothing to queue again.
        scheduled: (run) => ({
          out: `run ${run.runId}: 0 window(s) enqueued again, 2 pending in all`,
          run: ['scheduled', false, false],
          windows: [
            ['pending', 0, 0, 0],
            ['pending', 0, 0, 0],
          ],
          jobs: [
            [0, 0, 'delayed'],
            [1, 0, 'delayed'],
          ],
        }),
        running: (run) => ({
          out: `run ${run.runId}: 0 window(s) enqueued again, 1 pending in all`,
          run: ['running', false, false],
          windows: [
            ['running', 0, 1, 1],
            ['pending', 0, 0, 0],
          ],
          jobs: [
            [0, 0, 'delayed'],
            [1, 0, 'delayed'],
          ],
        }),
        succeeded: (run) => ({ refused: `run ${run.runId} already succeeded: nothing to resume` }),
        // The failed window again, under its next generation and lease, after its committed page.
        failed: (run) => ({
          out: `run ${run.runId}: 1 window(s) enqueued again, 1 pending in all`,
          run: ['running', false, false],
          windows: [
            ['pending', 1, 2, 1],
            ['succeeded', 0, 1, 1],
          ],
          jobs: [[0, 1, 'waiting']],
        }),
        halted: (run) => ({
          out: `run ${run.runId}: 2 window(s) enqueued again, 2 pending in all`,
          run: ['running', false, false],
          windows: [
            ['pending', 1, 2, 1],
            ['pending', 1, 1, 0],
          ],
          jobs: [
            [0, 1, 'waiting'],
            [1, 1, 'waiting'],
          ],
        }),
        cancelled: (run) => ({
          out: `run ${run.runId}: 2 window(s) enqueued again, 2 pending in all`,
          run: ['running', false, false],
          windows: [
            ['pending', 1, 2, 1],
            ['pending', 1, 2, 0],
          ],
          jobs: [
            [0, 1, 'waiting'],
            [1, 1, 'waiting'],
          ],
        }),
      },
    },
    // The first day's window, in each state the run leaves it.
    retry: {
      args: (run) => ['retry', '--run', run.runId, '--entity', 'invoices', '--day', run.days[0] ?? ''],
      expect: {
        // Pending with its job queued: that job, nothing added.
        scheduled: (run) => ({
          out: `window invoices ${run.days[0]} of run ${run.runId} enqueued as job ${windowJobId(run.runId, 'invoices', run.days[0] ?? '', 0)}`,
          run: ['scheduled', false, false],
          windows: [
            ['pending', 0, 0, 0],
            ['pending', 0, 0, 0],
          ],
          jobs: [
            [0, 0, 'delayed'],
            [1, 0, 'delayed'],
          ],
        }),
        running: (run) => ({
          refused: `window invoices ${run.days[0]} of run ${run.runId} is running: nothing to retry`,
        }),
        // Read again from page one, and its run runs again until it has.
        succeeded: (run) => ({
          out: requeuedLine(run),
          run: ['running', false, false],
          windows: [
            ['pending', 1, 2, 0],
            ['succeeded', 0, 1, 1],
          ],
          jobs: [[0, 1, 'waiting']],
        }),
        failed: (run) => ({
          out: requeuedLine(run),
          run: ['running', false, false],
          windows: [
            ['pending', 1, 2, 1],
            ['succeeded', 0, 1, 1],
          ],
          jobs: [[0, 1, 'waiting']],
        }),
        halted: (run) => ({
          out: requeuedLine(run),
          run: ['running', false, false],
          windows: [
            ['pending', 1, 2, 1],
            ['skipped', 0, 0, 0],
          ],
          jobs: [[0, 1, 'waiting']],
        }),
        cancelled: (run) => ({
          out: requeuedLine(run),
          run: ['running', false, false],
          windows: [
            ['pending', 1, 2, 1],
            ['cancelled', 0, 1, 0],
          ],
          jobs: [[0, 1, 'waiting']],
        }),
      },
    },
  };

  for (const [command, { args, expect }] of Object.entries(commands)) {
    for (const [state, expected] of Object.entries(expect) as [RunStatus, (run: Run) => Expected][]) {
      const what = (e: Expected) =>
        'refused' in e ? 'exits 2 and changes nothing' : `exits 0, leaving the run ${e.run[0]}`;
      it(`${command} on a ${state} run ${what(expected({ runId: 'R', days: ['D', 'D'], from: new Date() }))}`, async () => {
        const run = await enqueue();
        await reach[state](run);
        const before = await snapshot(run.runId);
        assert.equal(before.run.status, state);
        const e = expected(run);
        const r = await runCli(args(run), env);
        if ('refused' in e) {
          assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `qbo-backfill ${command}: ${e.refused}\n`]);
          assert.deepEqual(await snapshot(run.runId), before);
          return;
        }
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${e.out}\n`, '']);
        const jobId = ([i, generation]: [number, number, string]) =>
          windowJobId(run.runId, 'invoices', run.days[i] ?? '', generation);
        assert.deepEqual(summary(await snapshot(run.runId)), {
          run: e.run,
          windows: e.windows,
          jobs: e.jobs.map((j) => `${jobId(j)} ${j[2]}`).sort(),
        });
      });
    }
  }

  for (const command of ['resume', 'retry'] as const) {
    it(`${command} of a cancelled run whose backfill was enqueued again exits 1 and changes nothing`, async () => {
      const run = await enqueue();
      await reach.cancelled(run);
      // The same backfill again: a new live run, which the old one may not run beside.
      const again = await enqueue(run.from);
      assert.notEqual(again.runId, run.runId);
      const before = await snapshot(run.runId);
      const beside = await snapshot(again.runId);
      const r = await runCli(commands[command].args(run), env);
      assert.deepEqual(
        [r.code, r.stdout, r.stderr],
        [
          1,
          '',
          `qbo-backfill ${command}: another run of the same backfill is scheduled or running; see qbo-backfill status\n`,
        ],
      );
      assert.deepEqual(await snapshot(run.runId), before);
      assert.deepEqual(await snapshot(again.runId), beside);
    });
  }

  it('retry of the pending window of a running run names its queued job and changes nothing', async () => {
    const run = await enqueue();
    await reach.running(run);
    const before = await snapshot(run.runId);
    const r = await runCli(
      ['retry', '--run', run.runId, '--entity', 'invoices', '--day', run.days[1] ?? ''],
      env,
    );
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [
        0,
        `window invoices ${run.days[1]} of run ${run.runId} enqueued as job ${windowJobId(run.runId, 'invoices', run.days[1] ?? '', 0)}\n`,
        '',
      ],
    );
    assert.deepEqual(await snapshot(run.runId), before);
  });
});
