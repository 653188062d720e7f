import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { windowJobId } from '../../src/infra/queue.js';
import {
  commitPageWithUpsert,
  endRunAfterWindowSucceeded,
  failWindow,
  failWindowAttempt,
  finalizeRunIfDone,
  findLiveRun,
  finishWindow,
  getRun,
  getWindowAndRun,
  releaseWindow,
  restartPass,
  startWindow,
} from '../../src/backfill/state/index.js';
import {
  counters,
  createSameBackfill,
  runRow,
  succeedAllBut,
  useThreeDayRun,
} from './fixtures/three-day-run.js';

/** Every transition of a run and its windows on the way to success, against a real database. */
describe('run and window state transitions', () => {
  const s = useThreeDayRun('r-state');
  const { key, window, start } = s;

  it('create: a scheduled run with pending windows under their first job ids; a second live run of the same backfill is refused', async () => {
    assert.equal((await runRow(s)).status, 'scheduled');
    const w = await window('items', '2026-01-02');
    assert.equal(w.status, 'pending');
    assert.equal(w.job_id, windowJobId(s.runId, 'items', '2026-01-02', 0));
    const again = await createSameBackfill(s, `${s.runId}-again`);
    assert.equal(again, false);
    assert.equal(await getRun(s.db, `${s.runId}-again`), undefined);
    assert.equal((await findLiveRun(s.db, `dedupe-${s.n}`))?.run_id, s.runId);
  });

  it('start, commit pages, finish: counters add up, the duration is added once, the last window ends the run', async () => {
    const k = key('invoices', '2026-01-01');
    // The job loaded the window at lease 0; starting it takes lease 1.
    const first = await startWindow(s.db, { ...k, lease: 0 }, 'job-1');
    assert.deepEqual(first, { run: { status: 'running', statusReason: null }, attempt: { ...k, lease: 1 } });
    assert.equal((await runRow(s)).status, 'running');
    let w = await window('invoices', '2026-01-01');
    assert.deepEqual([w.status, w.attempts, w.job_id, w.lease], ['running', 1, 'job-1', 1]);
    assert.ok(w.started_at);
    const firstStart = w.started_at;
    for (const pageNumber of [1, 2]) {
      await s.commitCounters(first.attempt, {
        pageNumber,
        rowsFetched: 10,
        inserted: 6,
        updated: 3,
        unchanged: 1,
        skipped: 2,
        temporalAnomalies: 1,
      });
    }
    w = await window('invoices', '2026-01-01');
    assert.deepEqual([...counters(w), w.committed_pages], [2, 20, 12, 6, 2, 4, 2, 2]);
    // A second start (a retried job, which loaded the window at lease 1) keeps the first start
    // time, counts another attempt and takes the next lease.
    const second = await startWindow(s.db, first.attempt, 'job-1');
    assert.deepEqual(second?.attempt, { ...k, lease: 2 });
    w = await window('invoices', '2026-01-01');
    assert.deepEqual([w.attempts, w.lease], [2, 2]);
    assert.deepEqual(w.started_at, firstStart);

    assert.equal(
      await finishWindow(s.db, { ...k, lease: 2 }, { sourceCount: 20, shortfall: null }, 250),
      undefined,
    );
    w = await window('invoices', '2026-01-01');
    assert.deepEqual([w.status, w.source_count, w.error, w.duration_ms], ['succeeded', 20, null, 250]);
    assert.ok(w.finished_at);

    await succeedAllBut(s, 'invoices 2026-01-01', 'items 2026-01-03');
    assert.equal((await runRow(s)).status, 'running');
    assert.equal(
      await finishWindow(
        s.db,
        await start('items', '2026-01-03'),
        { sourceCount: 5, shortfall: 'reconciliation: short' },
        1,
      ),
      'succeeded',
    );
    const r = await runRow(s);
    assert.equal(r.status, 'succeeded');
    assert.ok(r.finished_at);
    assert.equal((await window('items', '2026-01-03')).error, 'reconciliation: short');
  });

  it('one-page window: read with its run, started with the run state returned, page and success in one transition, then the run', async () => {
    const k = key('invoices', '2026-01-02');
    assert.deepEqual(await getWindowAndRun(s.db, k), {
      run: { status: 'scheduled', statusReason: null },
      window: {
        status: 'pending',
        jobId: windowJobId(s.runId, 'invoices', '2026-01-02', 0),
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
    assert.deepEqual(await getWindowAndRun(s.db, key('invoices', '2026-02-01')), {
      run: { status: 'scheduled', statusReason: null },
      window: undefined,
    });
    assert.deepEqual(
      await getWindowAndRun(s.db, { runId: 'no-such-run', entity: 'invoices', day: '2026-01-02' }),
      {
        run: undefined,
        window: undefined,
      },
    );
    // The start returns the run as it is after it: running, whether this start or an earlier one
    // made it so, and the lease the job holds from now on.
    const started = await startWindow(s.db, { ...k, lease: 0 }, 'job-1');
    assert.deepEqual(started, {
      run: { status: 'running', statusReason: null },
      attempt: { ...k, lease: 1 },
    });
    const items = key('items', '2026-01-02');
    const other = await startWindow(s.db, { ...items, lease: 0 }, null);
    assert.deepEqual(other, {
      run: { status: 'running', statusReason: null },
      attempt: { ...items, lease: 1 },
    });
    assert.equal(
      await startWindow(
        s.db,
        { runId: 'no-such-run', entity: 'invoices', day: '2026-01-02', lease: 0 },
        null,
      ),
      undefined,
    );
    await failWindow(s.db, other.attempt, 'HTTP 500', 1, 3);
    assert.equal((await runRow(s)).consecutive_failures, 1);

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
        s.db,
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
    assert.equal(await endRunAfterWindowSucceeded(s.db, s.runId), undefined);
    let r = await runRow(s);
    assert.deepEqual([r.status, r.consecutive_failures, r.finished_at], ['running', 0, null]);

    await succeedAllBut(s, 'invoices 2026-01-02', 'items 2026-01-02', 'items 2026-01-03');
    // A page without a record to store still commits, and ends its window.
    assert.deepEqual(
      await commitPageWithUpsert(
        s.db,
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
    assert.equal(await endRunAfterWindowSucceeded(s.db, s.runId), 'failed');
    r = await runRow(s);
    assert.equal(r.status, 'failed');
    assert.ok(r.finished_at);
    assert.equal(
      await endRunAfterWindowSucceeded(s.db, s.runId),
      undefined,
      'an ended run is not ended twice',
    );
    assert.equal(await finalizeRunIfDone(s.db, s.runId), undefined);
  });

  it('restart a pass: committed pages back to zero, the pass counted', async () => {
    const k = await start('items', '2026-01-01');
    await s.commitCounters(k, { pageNumber: 1, rowsFetched: 1, inserted: 1 });
    await restartPass(s.db, k, 1);
    const w = await window('items', '2026-01-01');
    assert.deepEqual([w.committed_pages, w.reread_passes, w.pages], [0, 1, 1]);
  });

  it('release and a retried attempt go back to pending; durations accumulate', async () => {
    await releaseWindow(s.db, await start('items', '2026-01-02'), 100);
    let w = await window('items', '2026-01-02');
    assert.deepEqual([w.status, w.duration_ms, w.error, w.finished_at], ['pending', 100, null, null]);
    const retried = await start('items', '2026-01-02');
    assert.equal(retried.lease, 2);
    await failWindowAttempt(s.db, retried, { attempt: 1, attempts: 3, message: 'HTTP 503' }, 50);
    w = await window('items', '2026-01-02');
    assert.deepEqual([w.status, w.duration_ms, w.error], ['pending', 150, 'attempt 1 of 3 failed: HTTP 503']);
  });
});
