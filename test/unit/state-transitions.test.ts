import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { windowJobId } from '../../src/infra/queue.js';
import {
  cancelPendingWindows,
  commitPage,
  createRun,
  failWindow,
  failWindowAttempt,
  failWindowHaltingRun,
  finalizeRunIfDone,
  findLiveRun,
  endRunAfterWindowSucceeded,
  finishWindow,
  commitPageWithUpsert,
  getRun,
  getWindow,
  getWindowAndRun,
  markRunCancelled,
  releaseWindow,
  reopenForRetriedWindow,
  reopenRun,
  requeueUnfinishedWindows,
  requeueWindow,
  restartPass,
  RESUMABLE_RUN_STATUSES,
  startWindow,
  stopWindow,
  type WindowAttempt,
  type WindowKey,
} from '../../src/backfill/state/index.js';
import { CommandFailedError } from '../../src/model/usage-error.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** Every transition of runs and windows, against a real database. */
describe('run and window state transitions', () => {
  let tdb: TestDatabase;
  let n = 0;
  let runId: string;
  const key = (entity: string, day: string): WindowKey => ({ runId, entity, day });

  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb.drop();
  });

  /** A fresh scheduled run of invoices and items over three days. */
  beforeEach(async () => {
    runId = `r-state-${++n}`;
    const day = (d: string) => {
      const start = new Date(`${d}T00:00:00Z`);
      return { day: d, start, end: new Date(start.getTime() + 86_400_000) };
    };
    const created = await createRun(tdb.db, {
      runId,
      realmId: '1',
      entities: ['invoices', 'items'],
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-04T00:00:00Z'),
      pageSize: 100,
      startAt: new Date(),
      dedupeKey: `dedupe-${n}`,
      windows: ['invoices', 'items'].flatMap((entity) =>
        ['2026-01-01', '2026-01-02', '2026-01-03'].map((d) => ({ entity, ...day(d) })),
      ),
    });
    assert.equal(created, true);
  });

  const window = async (entity: string, day: string) => {
    const w = await getWindow(tdb.db, key(entity, day));
    assert.ok(w);
    return w;
  };
  /** A window's page counters, in the order commitPage's tests list them. */
  const counters = (w: Awaited<ReturnType<typeof window>>) => [
    w.pages,
    w.rows_fetched,
    w.inserted,
    w.updated,
    w.unchanged,
    w.skipped,
    w.temporal_anomalies,
  ];
  const run = async () => {
    const r = await getRun(tdb.db, runId);
    assert.ok(r);
    return r;
  };
  /** The attempt of a job that loaded the window (at the lease it holds now) and has not started it. */
  const loaded = async (entity: string, day: string): Promise<WindowAttempt> => ({
    ...key(entity, day),
    lease: (await window(entity, day)).lease,
  });
  /** A job loads the window and starts it: the attempt it holds from then on. */
  const start = async (entity: string, day: string, jobId: string | null = null) => {
    const started = await startWindow(tdb.db, await loaded(entity, day), jobId);
    assert.ok(started);
    return started.attempt;
  };
  /** Starts and ends every window but the given ones as succeeded. */
  const succeedAllBut = async (...except: string[]) => {
    for (const entity of ['invoices', 'items'])
      for (const day of ['2026-01-01', '2026-01-02', '2026-01-03'])
        if (!except.includes(`${entity} ${day}`))
          await finishWindow(tdb.db, await start(entity, day), { sourceCount: 0, shortfall: null }, 1);
  };

  it('create: a scheduled run with pending windows under their first job ids; a second live run of the same backfill is refused', async () => {
    assert.equal((await run()).status, 'scheduled');
    const w = await window('items', '2026-01-02');
    assert.equal(w.status, 'pending');
    assert.equal(w.job_id, windowJobId(runId, 'items', '2026-01-02', 0));
    const again = await createRun(tdb.db, {
      runId: `${runId}-again`,
      realmId: '1',
      entities: ['invoices'],
      from: new Date(),
      to: new Date(),
      pageSize: 1,
      startAt: new Date(),
      dedupeKey: `dedupe-${n}`,
      windows: [],
    });
    assert.equal(again, false);
    assert.equal(await getRun(tdb.db, `${runId}-again`), undefined);
    assert.equal((await findLiveRun(tdb.db, `dedupe-${n}`))?.run_id, runId);
  });

  it('start, commit pages, finish: counters add up, the duration is added once, the last window ends the run', async () => {
    const k = key('invoices', '2026-01-01');
    // The job loaded the window at lease 0; starting it takes lease 1.
    const first = await startWindow(tdb.db, { ...k, lease: 0 }, 'job-1');
    assert.deepEqual(first, { run: { status: 'running', statusReason: null }, attempt: { ...k, lease: 1 } });
    assert.equal((await run()).status, 'running');
    let w = await window('invoices', '2026-01-01');
    assert.deepEqual([w.status, w.attempts, w.job_id, w.lease], ['running', 1, 'job-1', 1]);
    assert.ok(w.started_at);
    const firstStart = w.started_at;
    for (const pageNumber of [1, 2]) {
      await tdb.db.transaction().execute((trx) =>
        commitPage(trx, first.attempt, {
          pageNumber,
          rowsFetched: 10,
          inserted: 6,
          updated: 3,
          unchanged: 1,
          skipped: 2,
          temporalAnomalies: 1,
        }),
      );
    }
    w = await window('invoices', '2026-01-01');
    assert.deepEqual([...counters(w), w.committed_pages], [2, 20, 12, 6, 2, 4, 2, 2]);
    // A second start (a retried job, which loaded the window at lease 1) keeps the first start
    // time, counts another attempt and takes the next lease.
    const second = await startWindow(tdb.db, first.attempt, 'job-1');
    assert.deepEqual(second?.attempt, { ...k, lease: 2 });
    w = await window('invoices', '2026-01-01');
    assert.deepEqual([w.attempts, w.lease], [2, 2]);
    assert.deepEqual(w.started_at, firstStart);

    assert.equal(
      await finishWindow(tdb.db, { ...k, lease: 2 }, { sourceCount: 20, shortfall: null }, 250),
      undefined,
    );
    w = await window('invoices', '2026-01-01');
    assert.deepEqual([w.status, w.source_count, w.error, w.duration_ms], ['succeeded', 20, null, 250]);
    assert.ok(w.finished_at);

    await succeedAllBut('invoices 2026-01-01', 'items 2026-01-03');
    assert.equal((await run()).status, 'running');
    assert.equal(
      await finishWindow(
        tdb.db,
        await start('items', '2026-01-03'),
        { sourceCount: 5, shortfall: 'reconciliation: short' },
        1,
      ),
      'succeeded',
    );
    const r = await run();
    assert.equal(r.status, 'succeeded');
    assert.ok(r.finished_at);
    assert.equal((await window('items', '2026-01-03')).error, 'reconciliation: short');
  });

  it('one-page window: read with its run, started with the run state returned, page and success in one transition, then the run', async () => {
    const k = key('invoices', '2026-01-02');
    assert.deepEqual(await getWindowAndRun(tdb.db, k), {
      run: { status: 'scheduled', statusReason: null },
      window: {
        status: 'pending',
        jobId: windowJobId(runId, 'invoices', '2026-01-02', 0),
        committedPages: 0,
        rereadPasses: 0,
        lease: 0,
        start: new Date('2026-01-02T00:00:00Z'),
        end: new Date('2026-01-03T00:00:00Z'),
        // A day plan's window (the default of createRun) never splits.
        splittable: false,
        split: false,
      },
    });
    assert.deepEqual(await getWindowAndRun(tdb.db, key('invoices', '2026-02-01')), {
      run: { status: 'scheduled', statusReason: null },
      window: undefined,
    });
    assert.deepEqual(
      await getWindowAndRun(tdb.db, { runId: 'no-such-run', entity: 'invoices', day: '2026-01-02' }),
      {
        run: undefined,
        window: undefined,
      },
    );
    // The start returns the run as it is after it: running, whether this start or an earlier one
    // made it so, and the lease the job holds from now on.
    const started = await startWindow(tdb.db, { ...k, lease: 0 }, 'job-1');
    assert.deepEqual(started, {
      run: { status: 'running', statusReason: null },
      attempt: { ...k, lease: 1 },
    });
    const items = key('items', '2026-01-02');
    const other = await startWindow(tdb.db, { ...items, lease: 0 }, null);
    assert.deepEqual(other, {
      run: { status: 'running', statusReason: null },
      attempt: { ...items, lease: 1 },
    });
    assert.equal(
      await startWindow(
        tdb.db,
        { runId: 'no-such-run', entity: 'invoices', day: '2026-01-02', lease: 0 },
        null,
      ),
      undefined,
    );
    await failWindow(tdb.db, other.attempt, 'HTTP 500', 1, 3);
    assert.equal((await run()).consecutive_failures, 1);

    // An upsert that inserted 4 records and replaced 2 of the 7 it offered (1 unchanged); like a
    // real one, it stores nothing unless the commit's guard holds.
    const upsert = {
      statement: (guard = sql<boolean>`true`) =>
        sql<{ inserted: boolean; day: string | null }>`SELECT inserted, NULL::date AS day
          FROM (VALUES (true), (true), (true), (true), (false), (false)) v(inserted) WHERE ${guard}`,
      rows: 7,
    };
    assert.deepEqual(
      await commitPageWithUpsert(
        tdb.db,
        started.attempt,
        upsert,
        { pageNumber: 1, rowsFetched: 7, skipped: 1, temporalAnomalies: 1 },
        { result: { sourceCount: 7, shortfall: null }, elapsedMs: 120 },
      ),
      { inserted: 4, updated: 2, unchanged: 1 },
    );
    const w = await window('invoices', '2026-01-02');
    assert.deepEqual([w.status, ...counters(w)], ['succeeded', 1, 7, 4, 2, 1, 1, 1]);
    assert.deepEqual([w.committed_pages, w.source_count, w.error, w.duration_ms], [1, 7, null, 120]);
    assert.ok(w.finished_at);
    // The breaker starts over; the run goes on while windows are open.
    assert.equal(await endRunAfterWindowSucceeded(tdb.db, runId), undefined);
    let r = await run();
    assert.deepEqual([r.status, r.consecutive_failures, r.finished_at], ['running', 0, null]);

    await succeedAllBut('invoices 2026-01-02', 'items 2026-01-02', 'items 2026-01-03');
    // A page without a record to store still commits, and ends its window.
    assert.deepEqual(
      await commitPageWithUpsert(
        tdb.db,
        await start('items', '2026-01-03'),
        undefined,
        { pageNumber: 1, rowsFetched: 0, skipped: 0, temporalAnomalies: 0 },
        { result: { sourceCount: 0, shortfall: null }, elapsedMs: 1 },
      ),
      { inserted: 0, updated: 0, unchanged: 0 },
    );
    assert.deepEqual(
      [(await window('items', '2026-01-03')).status, (await window('items', '2026-01-03')).pages],
      ['succeeded', 1],
    );
    // The last open window ends the run (failed: one window failed), once only.
    assert.equal(await endRunAfterWindowSucceeded(tdb.db, runId), 'failed');
    r = await run();
    assert.equal(r.status, 'failed');
    assert.ok(r.finished_at);
    assert.equal(
      await endRunAfterWindowSucceeded(tdb.db, runId),
      undefined,
      'an ended run is not ended twice',
    );
    assert.equal(await finalizeRunIfDone(tdb.db, runId), undefined);
  });

  it('restart a pass: committed pages back to zero, the pass counted', async () => {
    const k = await start('items', '2026-01-01');
    await tdb.db.transaction().execute((trx) =>
      commitPage(trx, k, {
        pageNumber: 1,
        rowsFetched: 1,
        inserted: 1,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        temporalAnomalies: 0,
      }),
    );
    await restartPass(tdb.db, k, 1);
    const w = await window('items', '2026-01-01');
    assert.deepEqual([w.committed_pages, w.reread_passes, w.pages], [0, 1, 1]);
  });

  it('release and a retried attempt go back to pending; durations accumulate', async () => {
    await releaseWindow(tdb.db, await start('items', '2026-01-02'), 100);
    let w = await window('items', '2026-01-02');
    assert.deepEqual([w.status, w.duration_ms, w.error, w.finished_at], ['pending', 100, null, null]);
    const retried = await start('items', '2026-01-02');
    assert.equal(retried.lease, 2);
    await failWindowAttempt(tdb.db, retried, { attempt: 1, attempts: 3, message: 'HTTP 503' }, 50);
    w = await window('items', '2026-01-02');
    assert.deepEqual([w.status, w.duration_ms, w.error], ['pending', 150, 'attempt 1 of 3 failed: HTTP 503']);
  });

  it('fail: the circuit breaker halts the run at the threshold, a success in between resets it', async () => {
    await failWindow(tdb.db, await start('invoices', '2026-01-01'), 'HTTP 500', 1, 3);
    await failWindow(tdb.db, await start('invoices', '2026-01-02'), 'HTTP 500', 1, 3);
    assert.equal((await run()).consecutive_failures, 2);
    await finishWindow(tdb.db, await start('invoices', '2026-01-03'), { sourceCount: 0, shortfall: null }, 1);
    assert.equal((await run()).consecutive_failures, 0);
    assert.deepEqual(await failWindow(tdb.db, await start('items', '2026-01-01'), 'HTTP 500', 1, 3), {
      halted: false,
      consecutiveFailures: 1,
    });
    await failWindow(tdb.db, await start('items', '2026-01-02'), 'HTTP 500', 1, 3);
    assert.deepEqual(await failWindow(tdb.db, await start('items', '2026-01-03'), 'HTTP 500', 1, 3), {
      halted: true,
      consecutiveFailures: 3,
    });
    const r = await run();
    assert.equal(r.status, 'halted');
    assert.equal(
      r.status_reason,
      `circuit breaker: 3 consecutive windows failed; fix the cause, then: qbo-backfill resume --run ${runId}`,
    );
    const w = await window('items', '2026-01-03');
    assert.deepEqual([w.status, w.error], ['failed', 'HTTP 500']);
  });

  it('a failed window ends its run failed once every window is done', async () => {
    await failWindow(tdb.db, await start('items', '2026-01-02'), 'HTTP 400', 1, 3);
    await succeedAllBut('items 2026-01-02');
    assert.equal((await run()).status, 'failed');
    assert.equal(await finalizeRunIfDone(tdb.db, runId), undefined, 'an ended run is not finalized twice');
  });

  it('halt: the run stops with the operator message, the window fails with it, later windows are skipped', async () => {
    const reason = 'QBO rejected the refresh token for realm 1 (invalid_grant): reconnect the app';
    await failWindowHaltingRun(tdb.db, await start('invoices', '2026-01-01'), reason, 10);
    const r = await run();
    assert.deepEqual([r.status, r.status_reason], ['halted', reason]);
    assert.deepEqual(
      [(await window('invoices', '2026-01-01')).status, (await window('invoices', '2026-01-01')).error],
      ['failed', reason],
    );
    // The next job finds the run halted when it loads its window, and stops it unstarted.
    await stopWindow(
      tdb.db,
      await loaded('items', '2026-01-01'),
      { status: 'skipped', reason: `run halted: ${reason}` },
      0,
    );
    assert.equal((await window('items', '2026-01-01')).status, 'skipped');
    assert.equal((await run()).status, 'halted', 'a halted run is not finalized');
  });

  it('a failed window whose own job is retried is pending at once, also when another retry reopened its run', async () => {
    const reason = 'HTTP 400';
    const halting = await start('items', '2026-01-01');
    // Another job started before the halt, and fails after it.
    const failing = await start('items', '2026-01-02');
    await failWindowHaltingRun(tdb.db, halting, reason, 10);
    await failWindow(tdb.db, failing, reason, 1, 3);
    for (const d of ['2026-01-01', '2026-01-02', '2026-01-03'])
      await stopWindow(tdb.db, await loaded('invoices', d), { status: 'skipped', reason: 'run halted' }, 0);
    await stopWindow(
      tdb.db,
      await loaded('items', '2026-01-03'),
      { status: 'skipped', reason: 'run halted' },
      0,
    );
    // The first retried job reopens the halted run and requeues what it skipped.
    const requeued = await reopenForRetriedWindow(tdb.db, key('items', '2026-01-01'));
    assert.equal(requeued.length, 4);
    assert.equal((await run()).status, 'running');
    // Pending under a new lease: an attempt of it still running somewhere is fenced out.
    assert.deepEqual(
      [(await window('items', '2026-01-01')).status, (await window('items', '2026-01-01')).lease],
      ['pending', halting.lease + 1],
    );
    // The second finds the run live already: its window still opens again, so the run cannot
    // end failed while that job waits for its turn.
    assert.deepEqual(await reopenForRetriedWindow(tdb.db, key('items', '2026-01-02')), []);
    assert.deepEqual(
      [(await window('items', '2026-01-02')).status, (await window('items', '2026-01-02')).error],
      ['pending', null],
    );
    await succeedAllBut('items 2026-01-02');
    assert.equal((await run()).status, 'running', 'one window is still open');
  });

  it('cancel: the run is cancelled and its pending windows with it, running ones are left to stop', async () => {
    await start('invoices', '2026-01-01');
    assert.deepEqual(await markRunCancelled(tdb.db, runId), { cancelled: true, was: 'running' });
    assert.equal(await markRunCancelled(tdb.db, 'no-such-run'), undefined);
    assert.equal(await cancelPendingWindows(tdb.db, runId), 5);
    const r = await run();
    assert.deepEqual([r.status, r.status_reason], ['cancelled', 'cancelled by the operator']);
    assert.deepEqual(
      [(await window('invoices', '2026-01-01')).status, (await window('invoices', '2026-01-01')).lease],
      ['running', 1],
    );
    // The pending ones under a new lease: a job that loaded one meanwhile cannot start it.
    const cancelled = await window('items', '2026-01-03');
    assert.deepEqual([cancelled.status, cancelled.error, cancelled.lease], ['cancelled', 'run cancelled', 1]);
  });

  it('reopen and requeue: unfinished and orphaned windows get the next job id, the rest stay', async () => {
    await failWindow(tdb.db, await start('invoices', '2026-01-01'), 'HTTP 500', 1, 1);
    assert.equal((await run()).status, 'halted');
    await stopWindow(
      tdb.db,
      await loaded('invoices', '2026-01-02'),
      { status: 'skipped', reason: 'run halted' },
      0,
    );
    await finishWindow(tdb.db, await start('items', '2026-01-01'), { sourceCount: 0, shortfall: null }, 1);
    assert.equal(await reopenRun(tdb.db, runId, RESUMABLE_RUN_STATUSES), true);
    const r = await run();
    assert.deepEqual(
      [r.status, r.status_reason, r.consecutive_failures, r.finished_at],
      ['running', null, 0, null],
    );

    const requeued = await requeueUnfinishedWindows(tdb.db, runId, [{ entity: 'items', day: '2026-01-02' }]);
    assert.deepEqual(requeued.map((k) => `${k.entity} ${k.day}`).sort(), [
      'invoices 2026-01-01',
      'invoices 2026-01-02',
      'items 2026-01-02',
    ]);
    // Each under the next lease too (the failed one had taken lease 1 when it started).
    for (const [entity, day, lease] of [
      ['invoices', '2026-01-01', 2],
      ['invoices', '2026-01-02', 1],
      ['items', '2026-01-02', 1],
    ] as const) {
      const w = await window(entity, day);
      assert.deepEqual(
        [w.status, w.generation, w.job_id, w.error, w.lease],
        ['pending', 1, windowJobId(runId, entity, day, 1), null, lease],
      );
    }
    assert.equal((await window('items', '2026-01-01')).status, 'succeeded');
    assert.equal((await window('items', '2026-01-03')).generation, 0);
  });

  it('reopen refuses while another live run covers the same backfill', async () => {
    assert.deepEqual(await markRunCancelled(tdb.db, runId), { cancelled: true, was: 'scheduled' });
    const other = `${runId}-b`;
    assert.ok(
      await createRun(tdb.db, {
        runId: other,
        realmId: '1',
        entities: ['invoices'],
        from: new Date(),
        to: new Date(),
        pageSize: 1,
        startAt: new Date(),
        dedupeKey: `dedupe-${n}`,
        windows: [],
      }),
    );
    await assert.rejects(reopenRun(tdb.db, runId, RESUMABLE_RUN_STATUSES), (err: unknown) => {
      assert.ok(err instanceof CommandFailedError);
      assert.equal(
        err.message,
        'another run of the same backfill is scheduled or running; see qbo-backfill status',
      );
      return true;
    });
    assert.equal((await run()).status, 'cancelled');
  });

  it('requeue one window: a succeeded one is read afresh, a failed one keeps its committed pages', async () => {
    const done = await start('invoices', '2026-01-03');
    await tdb.db.transaction().execute((trx) =>
      commitPage(trx, done, {
        pageNumber: 1,
        rowsFetched: 4,
        inserted: 4,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        temporalAnomalies: 0,
      }),
    );
    await finishWindow(tdb.db, done, { sourceCount: 4, shortfall: null }, 1);
    assert.equal(await requeueWindow(tdb.db, done, 0, true), windowJobId(runId, 'invoices', '2026-01-03', 1));
    let w = await window('invoices', '2026-01-03');
    assert.deepEqual(
      [w.status, w.pages, w.rows_fetched, w.inserted, w.committed_pages, w.source_count, w.lease],
      ['pending', 0, 0, 0, 0, null, 2],
    );

    const failed = await start('items', '2026-01-03');
    await tdb.db.transaction().execute((trx) =>
      commitPage(trx, failed, {
        pageNumber: 1,
        rowsFetched: 4,
        inserted: 4,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        temporalAnomalies: 0,
      }),
    );
    await failWindow(tdb.db, failed, 'HTTP 400', 1, 3);
    assert.equal(await requeueWindow(tdb.db, failed, 0, false), windowJobId(runId, 'items', '2026-01-03', 1));
    w = await window('items', '2026-01-03');
    assert.deepEqual(
      [w.status, w.pages, w.committed_pages, w.error, w.finished_at, w.lease],
      ['pending', 1, 1, null, null, 2],
    );
  });
});
