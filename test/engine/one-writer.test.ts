import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getWindowAndRun, markRunCancelled, startWindow } from '../../src/backfill/state/index.js';
import { AttemptSupersededError } from '../../src/backfill/window/window-stop.js';
import { processWindow } from '../../src/backfill/window/window-job.js';
import type { QboQuery } from '../../src/qbo/qbo-client.js';
import { rawIds } from '../helpers/backfill.js';
import { silent, startWindowHarness, type WindowHarness } from '../helpers/window-harness.js';

/**
 * One writer per window, in-process: between two pages of a window's read, another attempt takes
 * the window over (what the stalled-job check does once a frozen worker's lock lapsed), or the
 * operator cancels the run. The page in flight must commit nothing, neither records nor counters.
 */
describe('one writer per window', () => {
  let h: WindowHarness;
  before(async () => {
    h = await startWindowHarness('one-writer', 91);
  });
  after(async () => {
    await h.close();
  });

  /** The real client; `during` runs while the request for page `page` (1-based) is in flight. */
  function interrupting(page: number, during: () => Promise<void>): QboQuery {
    let pages = 0;
    return {
      async query(realm, statement) {
        const result = await h.client.query(realm, statement);
        if (statement.startsWith('SELECT * ') && ++pages === page) await during();
        return result;
      },
    };
  }

  const windowOf = async (runId: string) =>
    h.tdb.db.selectFrom('ops.windows').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
  const logged = () => {
    const lines: { msg: string; writing?: string }[] = [];
    const logger = silent.child({});
    logger.warn = ((obj: { writing?: string }, msg: string) => {
      lines.push({ ...obj, msg });
    }) as typeof logger.warn;
    return { lines, logger };
  };

  it('a job whose window was taken over writes nothing more and stops with one line', async () => {
    const job = await h.windowJob('2025-07-02');
    const key = { runId: job.data.runId, entity: 'invoices', day: '2025-07-02' };
    const { lines, logger } = logged();
    let before: Awaited<ReturnType<typeof windowOf>> | undefined;
    const takeOver = async () => {
      // Another worker's job starts the window at the lease it finds, as after a lapsed lock.
      before = await windowOf(key.runId);
      const found = await getWindowAndRun(h.tdb.db, key);
      await startWindow(h.tdb.db, { ...key, lease: found.window?.lease ?? -1 }, 'the-other-job');
    };
    await assert.rejects(
      processWindow(job, undefined, { db: h.tdb.db, qbo: interrupting(3, takeOver), logger }),
      AttemptSupersededError,
    );
    const w = await windowOf(key.runId);
    assert.ok(before);
    // The takeover's start is the only change: 2 pages committed by the stale job, not a third.
    assert.deepEqual(
      [w.pages, w.committed_pages, w.rows_fetched, w.inserted, w.status, w.attempts, w.lease],
      [2, 2, before.rows_fetched, before.inserted, 'running', 2, before.lease + 1],
    );
    assert.equal(before.pages, 2);
    const stored = await rawIds(h.tdb.db, 'invoices', h.realmId, w.window_start_utc, w.window_end_utc);
    assert.equal(stored.length, before.inserted, 'the third page stored no record');
    assert.deepEqual(
      lines.filter((l) => l.msg.startsWith('window taken over')),
      [
        {
          msg: 'window taken over by another attempt: this job stops without writing',
          writing: 'page 3',
          lease: 1,
        },
      ],
    );
  });

  it('a run cancelled while a page is in flight takes no page; the window ends cancelled', async () => {
    const job = await h.windowJob('2025-07-03');
    const runId = job.data.runId;
    const outcome = await processWindow(job, undefined, {
      db: h.tdb.db,
      qbo: interrupting(2, async () => {
        assert.equal((await markRunCancelled(h.tdb.db, runId))?.cancelled, true);
      }),
      logger: silent,
    });
    assert.deepEqual(outcome, { status: 'cancelled', reason: 'run cancelled' });
    const w = await windowOf(runId);
    assert.deepEqual([w.status, w.pages, w.error], ['cancelled', 1, 'run cancelled']);
    const stored = await rawIds(h.tdb.db, 'invoices', h.realmId, w.window_start_utc, w.window_end_utc);
    assert.equal(stored.length, w.inserted, 'only the first page is stored');
  });
});

describe('a window that split', () => {
  let h: WindowHarness;
  before(async () => {
    h = await startWindowHarness('split', 93);
  });
  after(async () => {
    await h.close();
  });

  it("adds its parts' jobs when the job that split it died before it could", async () => {
    const job = await h.windowJob('2025-08-01', 4);
    const runId = job.data.runId;
    const added: string[] = [];
    // Redis went away right after the split committed: the parts exist, their jobs do not.
    await assert.rejects(
      processWindow(job, undefined, {
        db: h.tdb.db,
        qbo: h.client,
        logger: silent,
        addPendingJobs: () => Promise.reject(new Error('Redis went away')),
      }),
      /Redis went away/,
    );
    const parts = await h.tdb.db
      .selectFrom('ops.windows')
      .select(['day', 'status', 'window_end_utc'])
      .where('run_id', '=', runId)
      .orderBy('day')
      .execute();
    // About 4,000 invoices over 4 days in pages of 100: parts of at least 1,000 records.
    assert.deepEqual(parts[0]?.status, 'failed');
    assert.ok(parts.length >= 3, JSON.stringify(parts));
    assert.deepEqual(
      parts.slice(1).map((p) => p.status),
      parts.slice(1).map(() => 'pending'),
    );
    // The job runs again (its one attempt failed: a retry from Bull Board): it adds the parts'
    // jobs, then reads its part.
    const outcome = await processWindow(job, undefined, {
      db: h.tdb.db,
      qbo: h.client,
      logger: silent,
      addPendingJobs: (id) => {
        added.push(id);
        return Promise.resolve();
      },
    });
    assert.equal(outcome.status, 'succeeded');
    assert.deepEqual(added, [runId]);
  });
});
