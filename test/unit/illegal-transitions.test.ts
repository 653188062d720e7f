import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { getEntity } from '../../src/model/entities.js';
import { windowJobId } from '../../src/infra/queue.js';
import {
  cancelPendingWindows,
  commitPage,
  commitPageWithUpsert,
  countWindowFailure,
  createRun,
  endRunAfterWindowSucceeded,
  failWindow,
  failWindowAttempt,
  failWindowHaltingRun,
  finalizeRunIfDone,
  finishWindow,
  getWindow,
  haltRun,
  LeaseLostError,
  markRunCancelled,
  releaseWindow,
  reopenForRetriedWindow,
  reopenRun,
  requeueUnfinishedWindows,
  requeueWindow,
  restartPass,
  RESUMABLE_RUN_STATUSES,
  RETRYABLE_RUN_STATUSES,
  startWindow,
  stopWindow,
  type WindowAttempt,
  type WindowKey,
} from '../../src/backfill/state/index.js';
import { parseRecord } from '../../src/qbo/qbo-record.js';
import { pageUpsert } from '../../src/raw/upsert-page.js';
import { planDays } from '../../src/backfill/plan/dates.js';
import { createTestDatabase, runRows, type TestDatabase } from '../helpers/db.js';

const invoices = getEntity('invoices');
const DAY = '2026-01-01';
const OTHER_DAY = '2026-01-02';

/**
 * One test per illegal transition of a run or a window, against the SQL itself (a real database):
 * each asserts that the transition is refused as its function says (a LeaseLostError naming the
 * attempt and what it was writing, a false, an undefined) and that the run's row, its windows'
 * rows and raw.qb_invoices are exactly what they were. Where the refusal hangs on one condition
 * (the lease, the run's status), the same write is shown to go through once the condition holds,
 * so a function that refused everything would fail these tests too.
 */
describe('illegal run and window transitions change nothing', () => {
  let tdb: TestDatabase;
  let n = 0;
  let runId: string;
  const key = (day = DAY): WindowKey => ({ runId, entity: 'invoices', day });

  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb.drop();
  });

  /** A fresh scheduled run of invoices over two days, and an empty raw table. */
  beforeEach(async () => {
    runId = `r-illegal-${++n}`;
    const from = new Date(`${DAY}T00:00:00Z`);
    const to = new Date('2026-01-03T00:00:00Z');
    assert.ok(
      await createRun(tdb.db, {
        runId,
        realmId: '1',
        entities: ['invoices'],
        from,
        to,
        pageSize: 2,
        startAt: new Date(),
        dedupeKey: `dedupe-${runId}`,
        windows: planDays(from, to).map((d) => ({ entity: 'invoices', ...d })),
      }),
    );
    await sql`TRUNCATE raw.qb_invoices`.execute(tdb.db);
  });

  /** Everything a transition could touch: the run's row, its windows' rows, the raw table. */
  const snapshot = async () => ({
    ...(await runRows(tdb.db, runId)),
    raw: await tdb.db.selectFrom('raw.qb_invoices').selectAll().orderBy('id').execute(),
  });
  const window = async (day = DAY) => {
    const w = await getWindow(tdb.db, key(day));
    assert.ok(w);
    return w;
  };
  const runStatus = async () => (await snapshot()).run.status;
  /** The attempt of a job that loaded the window (at the lease it has now) and has not started it. */
  const loaded = async (day = DAY): Promise<WindowAttempt> => ({
    ...key(day),
    lease: (await window(day)).lease,
  });
  /** A job loads the window and starts it: the attempt it holds from then on. */
  const start = async (day = DAY, jobId: string | null = null) => {
    const started = await startWindow(tdb.db, await loaded(day), jobId);
    assert.ok(started);
    return started.attempt;
  };

  /** Invoices with these Ids, at SyncToken `version`. */
  const records = (ids: string[], version = 0) =>
    ids.map((id) =>
      parseRecord({
        Id: id,
        SyncToken: String(version),
        TotalAmt: 10 + version,
        MetaData: { LastUpdatedTime: `${DAY}T0${version}:00:00Z` },
      }),
    );
  /** Commits a page of the window with a real upsert into raw.qb_invoices (and, with `finish`, ends the window). */
  const commit = (attempt: WindowAttempt, pageNumber: number, ids: string[], version = 0, finish = false) =>
    commitPageWithUpsert(
      tdb.db,
      attempt,
      pageUpsert(invoices, records(ids, version), {
        realmId: '1',
        runId,
        windowStart: new Date(`${attempt.day}T00:00:00Z`),
        windowEnd: new Date(new Date(`${attempt.day}T00:00:00Z`).getTime() + 86_400_000),
        pageNumber,
        pageSize: 2,
        requestPayload: 'SELECT * FROM Invoice',
      }),
      { pageNumber, rowsFetched: ids.length, skipped: 0, temporalAnomalies: 0 },
      finish ? { result: { sourceCount: ids.length, shortfall: null }, elapsedMs: 7 } : undefined,
    );
  /** commitPage, in the transaction the caller would upsert in. */
  const commitCounters = (attempt: WindowAttempt, pageNumber: number) =>
    tdb.db.transaction().execute((trx) =>
      commitPage(trx, attempt, {
        pageNumber,
        rowsFetched: 2,
        inserted: 2,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        temporalAnomalies: 0,
      }),
    );

  /** The LeaseLostError of `attempt` writing `writing`, message and all. */
  const leaseLost = (attempt: WindowAttempt, writing: string) => (err: unknown) => {
    assert.ok(err instanceof LeaseLostError, String(err));
    assert.equal(
      err.message,
      `window invoices ${attempt.day} of run ${runId} is no longer held by lease ${attempt.lease}: ${writing} not written`,
    );
    assert.deepEqual([err.attempt, err.writing], [attempt, writing]);
    return true;
  };
  /** `act` throws the LeaseLostError of `attempt` writing `writing`, and changes nothing. */
  const refused = async (attempt: WindowAttempt, writing: string, act: () => Promise<unknown>) => {
    const before = await snapshot();
    await assert.rejects(act(), leaseLost(attempt, writing));
    assert.deepEqual(await snapshot(), before);
  };
  /** `act` returns `expected`, and changes nothing. */
  const noop = async (act: () => Promise<unknown>, expected: unknown) => {
    const before = await snapshot();
    assert.deepEqual(await act(), expected);
    assert.deepEqual(await snapshot(), before);
  };

  /** Both windows read (two records each) and ended: the run succeeded. */
  const succeedRun = async () => {
    await commit(await start(DAY), 1, ['1', '2'], 0, true);
    assert.equal(await endRunAfterWindowSucceeded(tdb.db, runId), undefined);
    const other = await start(OTHER_DAY);
    await commit(other, 1, ['3', '4']);
    assert.equal(await finishWindow(tdb.db, other, { sourceCount: 2, shortfall: null }, 3), 'succeeded');
    assert.equal(await runStatus(), 'succeeded');
  };

  describe('a succeeded run', () => {
    it('cannot be cancelled', async () => {
      await succeedRun();
      await noop(() => markRunCancelled(tdb.db, runId), { cancelled: false, was: 'succeeded' });
      await noop(() => cancelPendingWindows(tdb.db, runId), 0);
    });

    it('cannot be halted', async () => {
      await succeedRun();
      await noop(() => haltRun(tdb.db, runId, 'QBO rejected the refresh token (invalid_grant)'), undefined);
    });

    it('cannot be halted by the circuit breaker, nor have its failures counted', async () => {
      await succeedRun();
      await noop(() => countWindowFailure(tdb.db, runId, 1), { halted: false, consecutiveFailures: 0 });
    });

    it('is not ended again as failed when one of its windows fails after it ended', async () => {
      await succeedRun();
      // retry reads a window of it again (requeueWindow, fresh) and that read fails for good: the
      // window fails, but neither the breaker (threshold 1) nor the run's end touch the run.
      const { run: before } = await snapshot();
      assert.ok(await requeueWindow(tdb.db, key(DAY), 0, true));
      await failWindow(tdb.db, await start(DAY), 'HTTP 400', 1, 1);
      assert.equal((await window(DAY)).status, 'failed');
      assert.deepEqual((await snapshot()).run, before);
      await noop(() => finalizeRunIfDone(tdb.db, runId), undefined);
      await noop(() => endRunAfterWindowSucceeded(tdb.db, runId), undefined);
    });

    it('is not reopened by resume, nor are its windows requeued', async () => {
      await succeedRun();
      await noop(() => reopenRun(tdb.db, runId, RESUMABLE_RUN_STATUSES), false);
      await noop(() => requeueUnfinishedWindows(tdb.db, runId, []), []);
      // Not even a window named as orphaned: only an open window can lose its job.
      await noop(() => requeueUnfinishedWindows(tdb.db, runId, [{ entity: 'invoices', day: DAY }]), []);
      // The retry path names the succeeded run among those it reopens.
      assert.equal(await reopenRun(tdb.db, runId, RETRYABLE_RUN_STATUSES), true);
      assert.equal(await runStatus(), 'running');
    });
  });

  for (const end of ['cancelled', 'halted'] as const) {
    it(`a ${end} run takes no page commit: nothing in raw, no counter`, async () => {
      const attempt = await start(DAY);
      // The same attempt commits while its run is live...
      assert.deepEqual(await commit(attempt, 1, ['1', '2']), { inserted: 2, updated: 0, unchanged: 0 });
      if (end === 'cancelled')
        assert.deepEqual(await markRunCancelled(tdb.db, runId), { cancelled: true, was: 'running' });
      else await haltRun(tdb.db, runId, 'QBO rejected the refresh token (invalid_grant)');
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
      const current = await startWindow(tdb.db, stale, 'job-b');
      assert.ok(current);
      assert.deepEqual([stale.lease, current.attempt.lease], [1, 2]);
      return { stale, current: current.attempt };
    };
    const writes: [string, string, (a: WindowAttempt) => Promise<unknown>][] = [
      ['commit a page (records and counters)', 'page 2', (a) => commit(a, 2, ['1', '3'], 1)],
      ['commit the page that ends the window', 'page 1', (a) => commit(a, 1, ['3'], 0, true)],
      ['commit the counters of a page', 'page 2', (a) => commitCounters(a, 2)],
      ['restart a pass', 're-read pass 1', (a) => restartPass(tdb.db, a, 1)],
      [
        'finish the window',
        "the window's success",
        (a) => finishWindow(tdb.db, a, { sourceCount: 2, shortfall: null }, 5),
      ],
      [
        'stop the window',
        "the window's stop (cancelled)",
        (a) => stopWindow(tdb.db, a, { status: 'cancelled', reason: 'run cancelled' }, 5),
      ],
      ['release the window', "the window's release", (a) => releaseWindow(tdb.db, a, 5)],
      [
        'fail an attempt',
        "the attempt's failure",
        (a) => failWindowAttempt(tdb.db, a, { attempt: 1, attempts: 3, message: 'HTTP 503' }, 5),
      ],
      // Threshold 1: a failure counted would halt the run.
      ['fail the window', "the window's failure", (a) => failWindow(tdb.db, a, 'HTTP 400', 5, 1)],
      [
        'fail the window halting the run',
        "the window's failure",
        (a) => failWindowHaltingRun(tdb.db, a, 'QBO rejected the refresh token (invalid_grant)', 5),
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
        startWindow(tdb.db, both, 'job-a'),
        startWindow(tdb.db, both, 'job-b'),
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

  describe('a succeeded window', () => {
    /** The window read (two records) and ended by its attempt; the other day still pending. */
    const succeeded = async () => {
      const attempt = await start(DAY);
      await commit(attempt, 1, ['1', '2'], 0, true);
      assert.equal((await window(DAY)).status, 'succeeded');
      assert.equal(await runStatus(), 'running');
      return attempt;
    };
    const ends: [string, string, (a: WindowAttempt) => Promise<unknown>][] = [
      ['started again', "the window's start", (a) => startWindow(tdb.db, a, 'job-again')],
      ['given another page', 'page 2', (a) => commit(a, 2, ['3'])],
      [
        'finished again',
        "the window's success",
        (a) => finishWindow(tdb.db, a, { sourceCount: 2, shortfall: null }, 5),
      ],
      ['failed', "the window's failure", (a) => failWindow(tdb.db, a, 'HTTP 400', 5, 1)],
      [
        'failed halting its run',
        "the window's failure",
        (a) => failWindowHaltingRun(tdb.db, a, 'QBO rejected the refresh token (invalid_grant)', 5),
      ],
      [
        'sent back by a failed attempt',
        "the attempt's failure",
        (a) => failWindowAttempt(tdb.db, a, { attempt: 1, attempts: 3, message: 'HTTP 503' }, 5),
      ],
      ['released', "the window's release", (a) => releaseWindow(tdb.db, a, 5)],
      [
        'stopped',
        "the window's stop (skipped)",
        (a) => stopWindow(tdb.db, a, { status: 'skipped', reason: 'run halted' }, 5),
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
      await noop(() => requeueUnfinishedWindows(tdb.db, runId, [{ entity: 'invoices', day: DAY }]), []);
      await noop(() => requeueWindow(tdb.db, key(DAY), 0, false), undefined);
      await noop(() => reopenForRetriedWindow(tdb.db, key(DAY)), []);
      await noop(() => requeueWindow(tdb.db, key(DAY), 1, true), undefined); // another generation
      assert.equal(await requeueWindow(tdb.db, key(DAY), 0, true), windowJobId(runId, 'invoices', DAY, 1));
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
    await noop(() => requeueWindow(tdb.db, key(DAY), 0, false), undefined);
    await noop(() => requeueWindow(tdb.db, key(DAY), 0, true), undefined);
    assert.deepEqual(await commit(attempt, 1, ['1']), { inserted: 1, updated: 0, unchanged: 0 });
  });

  describe('cancel, resume and retry take a new lease: an attempt under the old one is fenced out', () => {
    /** What an attempt at a window that is pending again could still write, but for its lease. */
    const fencedOut = async (old: WindowAttempt) => {
      assert.equal((await window(DAY)).status, 'pending');
      await refused(old, "the window's start", () => startWindow(tdb.db, old, 'job-old'));
      await refused(old, "the window's release", () => releaseWindow(tdb.db, old, 5));
      await refused(old, "the window's stop (skipped)", () =>
        stopWindow(tdb.db, old, { status: 'skipped', reason: 'run halted' }, 5),
      );
      await refused(old, 'page 2', () => commit(old, 2, ['1', '3'], 1));
      // The job of the new lease starts the window; the old attempt still writes nothing.
      const fresh = await start(DAY, 'job-new');
      assert.equal(fresh.lease, old.lease + 2);
      await refused(old, 'page 2', () => commit(old, 2, ['1', '3'], 1));
      await refused(old, "the window's success", () =>
        finishWindow(tdb.db, old, { sourceCount: 2, shortfall: null }, 5),
      );
      assert.deepEqual(await commit(fresh, 2, ['1', '3'], 1), { inserted: 1, updated: 1, unchanged: 0 });
    };

    it('cancel: a job that loaded a pending window before the cancel cannot start it, nor after a resume', async () => {
      const old = await loaded(DAY);
      assert.deepEqual(await markRunCancelled(tdb.db, runId), { cancelled: true, was: 'scheduled' });
      assert.equal(await cancelPendingWindows(tdb.db, runId), 2);
      await refused(old, "the window's start", () => startWindow(tdb.db, old, 'job-old'));
      await refused(old, "the window's stop (cancelled)", () =>
        stopWindow(tdb.db, old, { status: 'cancelled', reason: 'run cancelled' }, 0),
      );
      assert.equal(await reopenRun(tdb.db, runId, RESUMABLE_RUN_STATUSES), true);
      assert.equal((await requeueUnfinishedWindows(tdb.db, runId, [])).length, 2);
      assert.equal((await window(DAY)).lease, 2);
      await refused(old, "the window's start", () => startWindow(tdb.db, old, 'job-old'));
      await refused(old, "the window's release", () => releaseWindow(tdb.db, old, 0));
      assert.equal((await start(DAY, 'job-new')).lease, 3);
    });

    it('resume: a window whose job was lost while it ran is requeued, its old attempt fenced out', async () => {
      const old = await start(DAY, 'job-lost');
      await commit(old, 1, ['1', '2']);
      await haltRun(tdb.db, runId, 'circuit breaker');
      assert.equal(await reopenRun(tdb.db, runId, RESUMABLE_RUN_STATUSES), true);
      const requeued = await requeueUnfinishedWindows(tdb.db, runId, [{ entity: 'invoices', day: DAY }]);
      assert.deepEqual(requeued, [key(DAY)]);
      assert.deepEqual([(await window(DAY)).lease, (await window(DAY)).generation], [2, 1]);
      await fencedOut(old);
    });

    it('retry: a failed window requeued, its old attempt fenced out', async () => {
      const old = await start(DAY);
      await commit(old, 1, ['1', '2']);
      await failWindow(tdb.db, old, 'HTTP 500', 1, 3);
      assert.equal(await requeueWindow(tdb.db, key(DAY), 0, false), windowJobId(runId, 'invoices', DAY, 1));
      await fencedOut(old);
    });

    it('retry: a succeeded window read afresh, its old attempt fenced out', async () => {
      const old = await start(DAY);
      await commit(old, 1, ['1', '2'], 0, true);
      assert.equal(await requeueWindow(tdb.db, key(DAY), 0, true), windowJobId(runId, 'invoices', DAY, 1));
      await fencedOut(old);
    });

    it("retry from the dashboard: a failed window's own job reopens it, its old attempt fenced out", async () => {
      const old = await start(DAY);
      await commit(old, 1, ['1', '2']);
      await failWindow(tdb.db, old, 'HTTP 500', 1, 3);
      assert.deepEqual(await reopenForRetriedWindow(tdb.db, key(DAY)), []);
      await fencedOut(old);
    });
  });
});
