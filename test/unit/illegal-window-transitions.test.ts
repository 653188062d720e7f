import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { windowJobId } from '../../src/infra/queue.js';
import * as state from '../../src/backfill/state/index.js';
import { DAY, useIllegalRun } from './fixtures/illegal-run.js';

/**
 * Illegal transitions of a succeeded or running window, and of attempts fenced out by the new lease
 * that cancel, resume and retry take: each refused and changing nothing, as in
 * illegal-transitions.test.ts.
 */
describe('illegal window transitions change nothing', () => {
  const t = useIllegalRun();
  const { key, window, loaded, start, runStatus, commit, refused, noop } = t;
  /** The job id of the window's next generation, which requeueing it gives it. */
  const nextJobId = () => windowJobId(t.runId, 'invoices', DAY, 1);

  describe('a succeeded window', () => {
    /** The window read (two records) and ended by its attempt; the other day still pending. */
    const succeeded = async () => {
      const attempt = await start(DAY);
      await commit(attempt, 1, ['1', '2'], 0, true);
      assert.equal((await window(DAY)).status, 'succeeded');
      assert.equal(await runStatus(), 'running');
      return attempt;
    };
    const ends: [string, string, (a: state.WindowAttempt) => Promise<unknown>][] = [
      ['started again', "the window's start", (a) => state.startWindow(t.db, a, 'job-again')],
      ['given another page', 'page 2', (a) => commit(a, 2, ['3'])],
      [
        'finished again',
        "the window's success",
        (a) => state.finishWindow(t.db, a, { sourceCount: 2, shortfall: null }, 5),
      ],
      ['failed', "the window's failure", (a) => state.failWindow(t.db, a, 'HTTP 400', 5, 1)],
      [
        'failed halting its run',
        "the window's failure",
        (a) => state.failWindowHaltingRun(t.db, a, 'QBO rejected the refresh token (invalid_grant)', 5),
      ],
      [
        'sent back by a failed attempt',
        "the attempt's failure",
        (a) => state.failWindowAttempt(t.db, a, { attempt: 1, attempts: 3, message: 'HTTP 503' }, 5),
      ],
      ['released', "the window's release", (a) => state.releaseWindow(t.db, a, 5)],
      [
        'stopped',
        "the window's stop (skipped)",
        (a) => state.stopWindow(t.db, a, { status: 'skipped', reason: 'run halted' }, 5),
      ],
    ];
    for (const [label, writing, act] of ends) {
      it(`cannot be ${label}, even by the attempt that holds its lease`, async () => {
        const attempt = await succeeded();
        assert.equal((await window(DAY)).lease, attempt.lease);
        await refused(attempt, writing, () => act(attempt));
      });
    }

    it('is not reopened by resume, nor by a retry that does not name it succeeded; only retry (fresh) reopens it', async () => {
      await succeeded();
      await noop(() => state.requeueUnfinishedWindows(t.db, t.runId, [{ entity: 'invoices', day: DAY }]), []);
      await noop(() => state.requeueWindow(t.db, key(DAY), 0, false), undefined);
      await noop(() => state.reopenForRetriedWindow(t.db, key(DAY)), []);
      await noop(() => state.requeueWindow(t.db, key(DAY), 1, true), undefined); // another generation
      assert.equal(await state.requeueWindow(t.db, key(DAY), 0, true), nextJobId());
      const w = await window(DAY);
      assert.deepEqual(
        [
          w.status,
          w.generation,
          w.lease,
          w.pages,
          w.committed_pages,
          w.inserted,
          w.source_count,
          w.finished_at,
        ],
        ['pending', 1, 2, 0, 0, 0, null, null],
      );
    });
  });

  it('a running window is refused by requeueWindow, and its attempt keeps the window', async () => {
    const attempt = await start(DAY);
    await noop(() => state.requeueWindow(t.db, key(DAY), 0, false), undefined);
    await noop(() => state.requeueWindow(t.db, key(DAY), 0, true), undefined);
    assert.deepEqual(await commit(attempt, 1, ['1']), { inserted: 1, updated: 0, unchanged: 0 });
  });

  describe('cancel, resume and retry take a new lease: an attempt under the old one is fenced out', () => {
    /** What an attempt at a window that is pending again could still write, but for its lease. */
    const fencedOut = async (old: state.WindowAttempt) => {
      assert.equal((await window(DAY)).status, 'pending');
      await refused(old, "the window's start", () => state.startWindow(t.db, old, 'job-old'));
      await refused(old, "the window's release", () => state.releaseWindow(t.db, old, 5));
      await refused(old, "the window's stop (skipped)", () =>
        state.stopWindow(t.db, old, { status: 'skipped', reason: 'run halted' }, 5),
      );
      await refused(old, 'page 2', () => commit(old, 2, ['1', '3'], 1));
      // The job of the new lease starts the window; the old attempt still writes nothing.
      const fresh = await start(DAY, 'job-new');
      assert.equal(fresh.lease, old.lease + 2);
      await refused(old, 'page 2', () => commit(old, 2, ['1', '3'], 1));
      await refused(old, "the window's success", () =>
        state.finishWindow(t.db, old, { sourceCount: 2, shortfall: null }, 5),
      );
      assert.deepEqual(await commit(fresh, 2, ['1', '3'], 1), { inserted: 1, updated: 1, unchanged: 0 });
    };

    it('cancel: a job that loaded a pending window before the cancel cannot start it, nor after a resume', async () => {
      const old = await loaded(DAY);
      assert.deepEqual(await state.markRunCancelled(t.db, t.runId), { cancelled: true, was: 'scheduled' });
      assert.equal(await state.cancelPendingWindows(t.db, t.runId), 2);
      await refused(old, "the window's start", () => state.startWindow(t.db, old, 'job-old'));
      await refused(old, "the window's stop (cancelled)", () =>
        state.stopWindow(t.db, old, { status: 'cancelled', reason: 'run cancelled' }, 0),
      );
      assert.equal(await state.reopenRun(t.db, t.runId, state.RESUMABLE_RUN_STATUSES), true);
      assert.equal((await state.requeueUnfinishedWindows(t.db, t.runId, [])).length, 2);
      assert.equal((await window(DAY)).lease, 2);
      await refused(old, "the window's start", () => state.startWindow(t.db, old, 'job-old'));
      await refused(old, "the window's release", () => state.releaseWindow(t.db, old, 0));
      assert.equal((await start(DAY, 'job-new')).lease, 3);
    });

    it('resume: a window whose job was lost while it ran is requeued, its old attempt fenced out', async () => {
      const old = await start(DAY, 'job-lost');
      await commit(old, 1, ['1', '2']);
      await state.haltRun(t.db, t.runId, 'circuit breaker');
      assert.equal(await state.reopenRun(t.db, t.runId, state.RESUMABLE_RUN_STATUSES), true);
      const requeued = await state.requeueUnfinishedWindows(t.db, t.runId, [
        { entity: 'invoices', day: DAY },
      ]);
      assert.deepEqual(requeued, [key(DAY)]);
      assert.deepEqual([(await window(DAY)).lease, (await window(DAY)).generation], [2, 1]);
      await fencedOut(old);
    });

    it('retry: a failed window requeued, its old attempt fenced out', async () => {
      const old = await start(DAY);
      await commit(old, 1, ['1', '2']);
      await state.failWindow(t.db, old, 'HTTP 500', 1, 3);
      assert.equal(await state.requeueWindow(t.db, key(DAY), 0, false), nextJobId());
      await fencedOut(old);
    });

    it('retry: a succeeded window read afresh, its old attempt fenced out', async () => {
      const old = await start(DAY);
      await commit(old, 1, ['1', '2'], 0, true);
      assert.equal(await state.requeueWindow(t.db, key(DAY), 0, true), nextJobId());
      await fencedOut(old);
    });

    it("retry from the dashboard: a failed window's own job reopens it, its old attempt fenced out", async () => {
      const old = await start(DAY);
      await commit(old, 1, ['1', '2']);
      await state.failWindow(t.db, old, 'HTTP 500', 1, 3);
      assert.deepEqual(await state.reopenForRetriedWindow(t.db, key(DAY)), []);
      await fencedOut(old);
    });
  });
});
