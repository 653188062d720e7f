import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { windowJobId } from '../../src/infra/queue.js';
import * as state from '../../src/backfill/state/index.js';
import { CommandFailedError } from '../../src/model/usage-error.js';
import { createSameBackfill, runRow, succeedAllBut, useThreeDayRun } from './fixtures/three-day-run.js';

/** The transitions that fail, halt, cancel, reopen and requeue runs and windows, against a real database. */
describe('run and window state transitions: failure, halt, cancel, reopen, requeue', () => {
  const s = useThreeDayRun('r-state-end');
  const { key, window, loaded, start } = s;

  it('fail: the circuit breaker halts the run at the threshold, a success in between resets it', async () => {
    await state.failWindow(s.db, await start('invoices', '2026-01-01'), 'HTTP 500', 1, 3);
    await state.failWindow(s.db, await start('invoices', '2026-01-02'), 'HTTP 500', 1, 3);
    assert.equal((await runRow(s)).consecutive_failures, 2);
    await state.finishWindow(
      s.db,
      await start('invoices', '2026-01-03'),
      { sourceCount: 0, shortfall: null },
      1,
    );
    assert.equal((await runRow(s)).consecutive_failures, 0);
    assert.deepEqual(await state.failWindow(s.db, await start('items', '2026-01-01'), 'HTTP 500', 1, 3), {
      halted: false,
      consecutiveFailures: 1,
    });
    await state.failWindow(s.db, await start('items', '2026-01-02'), 'HTTP 500', 1, 3);
    assert.deepEqual(await state.failWindow(s.db, await start('items', '2026-01-03'), 'HTTP 500', 1, 3), {
      halted: true,
      consecutiveFailures: 3,
    });
    const r = await runRow(s);
    assert.equal(r.status, 'halted');
    assert.equal(
      r.status_reason,
      `circuit breaker: 3 consecutive windows failed; fix the cause, then: qbo-backfill resume --run ${s.runId}`,
    );
    const w = await window('items', '2026-01-03');
    assert.deepEqual([w.status, w.error], ['failed', 'HTTP 500']);
  });

  it('a failed window ends its run failed once every window is done', async () => {
    await state.failWindow(s.db, await start('items', '2026-01-02'), 'HTTP 400', 1, 3);
    await succeedAllBut(s, 'items 2026-01-02');
    assert.equal((await runRow(s)).status, 'failed');
    assert.equal(
      await state.finalizeRunIfDone(s.db, s.runId),
      undefined,
      'an ended run is not finalized twice',
    );
  });

  it('halt: the run stops with the operator message, the window fails with it, later windows are skipped', async () => {
    const reason = 'QBO rejected the refresh token for realm 1 (invalid_grant): reconnect the app';
    await state.failWindowHaltingRun(s.db, await start('invoices', '2026-01-01'), reason, 10);
    const r = await runRow(s);
    assert.deepEqual([r.status, r.status_reason], ['halted', reason]);
    assert.deepEqual(
      [(await window('invoices', '2026-01-01')).status, (await window('invoices', '2026-01-01')).error],
      ['failed', reason],
    );
    // The next job finds the run halted when it loads its window, and stops it unstarted.
    await state.stopWindow(
      s.db,
      await loaded('items', '2026-01-01'),
      { status: 'skipped', reason: `run halted: ${reason}` },
      0,
    );
    assert.equal((await window('items', '2026-01-01')).status, 'skipped');
    assert.equal((await runRow(s)).status, 'halted', 'a halted run is not finalized');
  });

  it('a failed window whose own job is retried is pending at once, also when another retry reopened its run', async () => {
    const reason = 'HTTP 400';
    const halting = await start('items', '2026-01-01');
    // Another job started before the halt, and fails after it.
    const failing = await start('items', '2026-01-02');
    await state.failWindowHaltingRun(s.db, halting, reason, 10);
    await state.failWindow(s.db, failing, reason, 1, 3);
    for (const d of ['2026-01-01', '2026-01-02', '2026-01-03'])
      await state.stopWindow(
        s.db,
        await loaded('invoices', d),
        { status: 'skipped', reason: 'run halted' },
        0,
      );
    await state.stopWindow(
      s.db,
      await loaded('items', '2026-01-03'),
      { status: 'skipped', reason: 'run halted' },
      0,
    );
    // The first retried job reopens the halted run and requeues what it skipped.
    const requeued = await state.reopenForRetriedWindow(s.db, key('items', '2026-01-01'));
    assert.equal(requeued.length, 4);
    assert.equal((await runRow(s)).status, 'running');
    // Pending under a new lease: an attempt of it still running somewhere is fenced out.
    assert.deepEqual(
      [(await window('items', '2026-01-01')).status, (await window('items', '2026-01-01')).lease],
      ['pending', halting.lease + 1],
    );
    // The second finds the run live already: its window still opens again, so the run cannot
    // end failed while that job waits for its turn.
    assert.deepEqual(await state.reopenForRetriedWindow(s.db, key('items', '2026-01-02')), []);
    assert.deepEqual(
      [(await window('items', '2026-01-02')).status, (await window('items', '2026-01-02')).error],
      ['pending', null],
    );
    await succeedAllBut(s, 'items 2026-01-02');
    assert.equal((await runRow(s)).status, 'running', 'one window is still open');
  });

  it('cancel: the run is cancelled and its pending windows with it, running ones are left to stop', async () => {
    await start('invoices', '2026-01-01');
    assert.deepEqual(await state.markRunCancelled(s.db, s.runId), { cancelled: true, was: 'running' });
    assert.equal(await state.markRunCancelled(s.db, 'no-such-run'), undefined);
    assert.equal(await state.cancelPendingWindows(s.db, s.runId), 5);
    const r = await runRow(s);
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
    await state.failWindow(s.db, await start('invoices', '2026-01-01'), 'HTTP 500', 1, 1);
    assert.equal((await runRow(s)).status, 'halted');
    await state.stopWindow(
      s.db,
      await loaded('invoices', '2026-01-02'),
      { status: 'skipped', reason: 'run halted' },
      0,
    );
    await state.finishWindow(
      s.db,
      await start('items', '2026-01-01'),
      { sourceCount: 0, shortfall: null },
      1,
    );
    assert.equal(await state.reopenRun(s.db, s.runId, state.RESUMABLE_RUN_STATUSES), true);
    const r = await runRow(s);
    assert.deepEqual(
      [r.status, r.status_reason, r.consecutive_failures, r.finished_at],
      ['running', null, 0, null],
    );

    const requeued = await state.requeueUnfinishedWindows(s.db, s.runId, [
      { entity: 'items', day: '2026-01-02' },
    ]);
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
        ['pending', 1, windowJobId(s.runId, entity, day, 1), null, lease],
      );
    }
    assert.equal((await window('items', '2026-01-01')).status, 'succeeded');
    assert.equal((await window('items', '2026-01-03')).generation, 0);
  });

  it('reopen refuses while another live run covers the same backfill', async () => {
    assert.deepEqual(await state.markRunCancelled(s.db, s.runId), { cancelled: true, was: 'scheduled' });
    const other = `${s.runId}-b`;
    assert.ok(await createSameBackfill(s, other));
    await assert.rejects(state.reopenRun(s.db, s.runId, state.RESUMABLE_RUN_STATUSES), (err: unknown) => {
      assert.ok(err instanceof CommandFailedError);
      assert.equal(
        err.message,
        'another run of the same backfill is scheduled or running; see qbo-backfill status',
      );
      return true;
    });
    assert.equal((await runRow(s)).status, 'cancelled');
  });

  it('requeue one window: a succeeded one is read afresh, a failed one keeps its committed pages', async () => {
    const done = await start('invoices', '2026-01-03');
    await s.commitCounters(done, { pageNumber: 1, rowsFetched: 4, inserted: 4 });
    await state.finishWindow(s.db, done, { sourceCount: 4, shortfall: null }, 1);
    assert.equal(
      await state.requeueWindow(s.db, done, 0, true),
      windowJobId(s.runId, 'invoices', '2026-01-03', 1),
    );
    let w = await window('invoices', '2026-01-03');
    assert.deepEqual(
      [w.status, w.pages, w.rows_fetched, w.inserted, w.committed_pages, w.source_count, w.lease],
      ['pending', 0, 0, 0, 0, null, 2],
    );

    const failed = await start('items', '2026-01-03');
    await s.commitCounters(failed, { pageNumber: 1, rowsFetched: 4, inserted: 4 });
    await state.failWindow(s.db, failed, 'HTTP 400', 1, 3);
    assert.equal(
      await state.requeueWindow(s.db, failed, 0, false),
      windowJobId(s.runId, 'items', '2026-01-03', 1),
    );
    w = await window('items', '2026-01-03');
    assert.deepEqual(
      [w.status, w.pages, w.committed_pages, w.error, w.finished_at, w.lease],
      ['pending', 1, 1, null, null, 2],
    );
  });
});
