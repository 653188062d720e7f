import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cancelPendingWindows,
  countWindowFailure,
  endRunAfterWindowSucceeded,
  failWindow,
  failWindowAttempt,
  failWindowHaltingRun,
  finalizeRunIfDone,
  finishWindow,
  haltRun,
  markRunCancelled,
  releaseWindow,
  reopenRun,
  requeueUnfinishedWindows,
  requeueWindow,
  restartPass,
  RESUMABLE_RUN_STATUSES,
  RETRYABLE_RUN_STATUSES,
  startWindow,
  stopWindow,
  type WindowAttempt,
} from '../../src/backfill/state/index.js';
import { DAY, OTHER_DAY, useIllegalRun } from './fixtures/illegal-run.js';

/**
 * One test per illegal transition of a run or a window, against the SQL itself (a real database):
 * each asserts that the transition is refused as its function says (a LeaseLostError naming the
 * attempt and what it was writing, a false, an undefined) and that the run's row, its windows'
 * rows and raw.qb_invoices are exactly what they were. Where the refusal hangs on one condition
 * (the lease, the run's status), the same write is shown to go through once the condition holds,
 * so a function that refused everything would fail these tests too. Ended runs, stale attempts and
 * racing starts here; ended windows and new leases in illegal-window-transitions.test.ts.
 */
describe('illegal run and window transitions change nothing', () => {
  const t = useIllegalRun();
  const {
    key,
    window,
    loaded,
    start,
    snapshot,
    runStatus,
    commit,
    commitCounters,
    leaseLost,
    refused,
    noop,
  } = t;

  /** Both windows read (two records each) and ended: the run succeeded. */
  const succeedRun = async () => {
    await commit(await start(DAY), 1, ['1', '2'], 0, true);
    assert.equal(await endRunAfterWindowSucceeded(t.db, t.runId), undefined);
    const other = await start(OTHER_DAY);
    await commit(other, 1, ['3', '4']);
    assert.equal(await finishWindow(t.db, other, { sourceCount: 2, shortfall: null }, 3), 'succeeded');
    assert.equal(await runStatus(), 'succeeded');
  };

  describe('a succeeded run', () => {
    it('cannot be cancelled', async () => {
      await succeedRun();
      await noop(() => markRunCancelled(t.db, t.runId), { cancelled: false, was: 'succeeded' });
      await noop(() => cancelPendingWindows(t.db, t.runId), 0);
    });

    it('cannot be halted', async () => {
      await succeedRun();
      await noop(() => haltRun(t.db, t.runId, 'QBO rejected the refresh token (invalid_grant)'), undefined);
    });

    it('cannot be halted by the circuit breaker, nor have its failures counted', async () => {
      await succeedRun();
      await noop(() => countWindowFailure(t.db, t.runId, 1), { halted: false, consecutiveFailures: 0 });
    });

    it('is not ended again as failed when one of its windows fails after it ended', async () => {
      await succeedRun();
      // retry reads a window of it again (requeueWindow, fresh) and that read fails for good: the
      // window fails, but neither the breaker (threshold 1) nor the run's end touch the run.
      const { run: before } = await snapshot();
      assert.ok(await requeueWindow(t.db, key(DAY), 0, true));
      await failWindow(t.db, await start(DAY), 'HTTP 400', 1, 1);
      assert.equal((await window(DAY)).status, 'failed');
      assert.deepEqual((await snapshot()).run, before);
      await noop(() => finalizeRunIfDone(t.db, t.runId), undefined);
      await noop(() => endRunAfterWindowSucceeded(t.db, t.runId), undefined);
    });

    it('is not reopened by resume, nor are its windows requeued', async () => {
      await succeedRun();
      await noop(() => reopenRun(t.db, t.runId, RESUMABLE_RUN_STATUSES), false);
      await noop(() => requeueUnfinishedWindows(t.db, t.runId, []), []);
      // Not even a window named as orphaned: only an open window can lose its job.
      await noop(() => requeueUnfinishedWindows(t.db, t.runId, [{ entity: 'invoices', day: DAY }]), []);
      // The retry path names the succeeded run among those it reopens.
      assert.equal(await reopenRun(t.db, t.runId, RETRYABLE_RUN_STATUSES), true);
      assert.equal(await runStatus(), 'running');
    });
  });

  for (const end of ['cancelled', 'halted'] as const) {
    it(`a ${end} run takes no page commit: nothing in raw, no counter`, async () => {
      const attempt = await start(DAY);
      // The same attempt commits while its run is live...
      assert.deepEqual(await commit(attempt, 1, ['1', '2']), { inserted: 2, updated: 0, unchanged: 0 });
      if (end === 'cancelled')
        assert.deepEqual(await markRunCancelled(t.db, t.runId), { cancelled: true, was: 'running' });
      else await haltRun(t.db, t.runId, 'QBO rejected the refresh token (invalid_grant)');
      assert.equal(await runStatus(), end);
      // ...and not once it has ended: neither new records, nor a newer version of a stored one,
      // nor the counters, nor the window's end (a one-page window).
      await refused(attempt, 'page 2', () => commit(attempt, 2, ['1', '3'], 1));
      await refused(attempt, 'page 1', () => commit(attempt, 1, ['5'], 0, true));
      await refused(attempt, 'page 2', () => commitCounters(attempt, 2));
      const w = await window(DAY);
      assert.deepEqual([w.status, w.pages, w.inserted, w.committed_pages], ['running', 1, 2, 1]);
      assert.deepEqual(
        (await snapshot()).raw.map((r) => [r.id, Number(r.sync_token)]),
        [
          ['1', 0],
          ['2', 0],
        ],
      );
    });
  }

  describe('a stale attempt (another job took the window over at the next lease)', () => {
    /**
     * The stale job started the window and committed page 1 (Ids 1 and 2), then froze; its lock
     * lapsed and another job loaded the window (still running, at lease 1) and started it.
     */
    const takenOver = async () => {
      const stale = await start(DAY, 'job-a');
      await commit(stale, 1, ['1', '2']);
      const current = await startWindow(t.db, stale, 'job-b');
      assert.ok(current);
      assert.deepEqual([stale.lease, current.attempt.lease], [1, 2]);
      return { stale, current: current.attempt };
    };
    const writes: [string, string, (a: WindowAttempt) => Promise<unknown>][] = [
      ['commit a page (records and counters)', 'page 2', (a) => commit(a, 2, ['1', '3'], 1)],
      ['commit the page that ends the window', 'page 1', (a) => commit(a, 1, ['3'], 0, true)],
      ['commit the counters of a page', 'page 2', (a) => commitCounters(a, 2)],
      ['restart a pass', 're-read pass 1', (a) => restartPass(t.db, a, 1)],
      [
        'finish the window',
        "the window's success",
        (a) => finishWindow(t.db, a, { sourceCount: 2, shortfall: null }, 5),
      ],
      [
        'stop the window',
        "the window's stop (cancelled)",
        (a) => stopWindow(t.db, a, { status: 'cancelled', reason: 'run cancelled' }, 5),
      ],
      ['release the window', "the window's release", (a) => releaseWindow(t.db, a, 5)],
      [
        'fail an attempt',
        "the attempt's failure",
        (a) => failWindowAttempt(t.db, a, { attempt: 1, attempts: 3, message: 'HTTP 503' }, 5),
      ],
      // Threshold 1: a failure counted would halt the run.
      ['fail the window', "the window's failure", (a) => failWindow(t.db, a, 'HTTP 400', 5, 1)],
      [
        'fail the window halting the run',
        "the window's failure",
        (a) => failWindowHaltingRun(t.db, a, 'QBO rejected the refresh token (invalid_grant)', 5),
      ],
    ];
    for (const [label, writing, write] of writes) {
      it(`cannot ${label}; the attempt holding the window can`, async () => {
        const { stale, current } = await takenOver();
        await refused(stale, writing, () => write(stale));
        assert.equal(await runStatus(), 'running');
        const before = await snapshot();
        await write(current);
        assert.notDeepEqual(await snapshot(), before);
      });
    }
  });

  it('of two jobs that loaded the window at the same lease, one starts it, the other changes nothing', async () => {
    for (let round = 1; round <= 10; round++) {
      const both = await loaded(DAY);
      const before = await snapshot();
      const results = await Promise.allSettled([
        startWindow(t.db, both, 'job-a'),
        startWindow(t.db, both, 'job-b'),
      ]);
      const started = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, value: r.value }] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      assert.equal(started.length, 1, `round ${round}: ${results.map((r) => r.status).join(', ')}`);
      assert.equal(lost.length, 1);
      leaseLost(both, "the window's start")(lost[0]);
      assert.deepEqual(started[0]?.value?.attempt, { ...key(DAY), lease: round });
      const w = await window(DAY);
      assert.deepEqual(
        [w.status, w.lease, w.attempts, w.job_id],
        ['running', round, round, started[0]?.i === 0 ? 'job-a' : 'job-b'],
      );
      // The winner's start is the only change: the loser's did not count an attempt nor set its job.
      assert.deepEqual(
        (await snapshot()).windows.find((x) => x.day === OTHER_DAY),
        before.windows.find((x) => x.day === OTHER_DAY),
      );
    }
  });
});
