import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { BEGUN_PRIORITY, JobReleasedError } from '../../src/backfill/window/job-release.js';
import { processWindow } from '../../src/backfill/window/window-job.js';
import type { RealmBudget } from '../../src/backfill/window/types.js';
import type { QboQuery } from '../../src/qbo/qbo-client.js';
import { pageStartPosition } from '../../src/qbo/query.js';
import { fetchTruth, rawIds } from '../helpers/backfill.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { silent, startWindowHarness, type WindowHarness } from '../helpers/window-harness.js';

/**
 * Fair slots: a window job asks its realm's budget before each of its pages, not only before it
 * starts. When the realm is booked further ahead than `releaseAfterWaitMs`, the job hands its
 * worker slot back between two pages: the window goes back to pending with what it committed, the
 * job to the delayed set until the wait is over, and its next run resumes after the last committed
 * page. The budget's answers are scripted per call, so nothing here depends on timing.
 */
describe('fair slots: a window hands its slot back between pages', () => {
  let h: WindowHarness;
  let worker: Worker<WindowJobData>;
  let redis: Redis;
  before(async () => {
    h = await startWindowHarness('fair-slots', 93);
    // No processor: the test takes the job itself, with a lock token, as a worker's slot does.
    worker = new Worker<WindowJobData>(QUEUE_NAME, null, {
      connection: { url: TEST_REDIS_URL },
      prefix: h.queue.opts.prefix,
    });
    redis = new Redis(TEST_REDIS_URL);
  });
  after(async () => {
    redis.disconnect();
    await worker.close();
    await h.close();
  });

  /** A budget that gives the scripted waits in turn (0 after them), recording what it was asked. */
  function scripted(waits: number[]) {
    const asked: [string, number | undefined][] = [];
    const budget: RealmBudget = {
      expectedWaitMs(realmId, atLeastMs) {
        asked.push([realmId, atLeastMs]);
        return Promise.resolve(waits[asked.length - 1] ?? 0);
      },
    };
    return { asked, budget };
  }

  /** The real client, recording the STARTPOSITION of each page requested. */
  function recording(starts: number[]): QboQuery {
    return {
      query(realm, statement, entity) {
        const position = / STARTPOSITION (\d+) /.exec(statement)?.[1];
        if (position) starts.push(Number(position));
        return h.client.query(realm, statement, entity);
      },
    };
  }

  /** The window's job as a worker takes it: out of the delayed set, active under `token`. */
  async function take(jobId: string, token: string): Promise<Job<WindowJobData>> {
    await (await h.queue.getJob(jobId))?.promote();
    const job = await worker.getNextJob(token, { block: false });
    assert.equal(job?.id, jobId);
    return job;
  }

  /** When the job is due again: its score in the delayed set, in epoch ms (BullMQ adds a counter in the low 12 bits). */
  async function dueAt(jobId: string): Promise<number | undefined> {
    const score = await redis.zscore(`${h.queue.opts.prefix}:${QUEUE_NAME}:delayed`, jobId);
    return score === null ? undefined : Math.floor(Number(score) / 0x1000);
  }

  it('releases after the pages committed before the wait, and its next run resumes after them', async () => {
    const day = '2025-08-05';
    const { id, data } = await h.windowJob(day);
    const jobId = id as string;
    const windowOf = () =>
      h.tdb.db
        .selectFrom('ops.windows')
        .selectAll()
        .where('run_id', '=', data.runId)
        .executeTakeFirstOrThrow();

    // Asked before the start (a window not begun begins only with nothing booked ahead), then
    // before pages 2, 3 and 4: a wait of exactly the threshold (250 ms, the default) keeps the
    // slot; 5 s does not.
    const first = scripted([0, 250, 0, 5_000]);
    const starts: number[] = [];
    const job = await take(jobId, 'run-1');
    const t0 = Date.now();
    await assert.rejects(
      processWindow(job, 'run-1', {
        db: h.tdb.db,
        qbo: recording(starts),
        logger: silent,
        budget: first.budget,
      }),
      (err) =>
        err instanceof JobReleasedError && err.message === `realm ${h.realmId} budget booked 5000 ms ahead`,
    );
    const t1 = Date.now();
    assert.deepEqual(first.asked, [[h.realmId, 0], ...Array.from({ length: 3 }, () => [h.realmId, 250])]);
    assert.deepEqual(
      starts,
      [0, 1, 2].map((page) => pageStartPosition(page, 100)),
    );
    let w = await windowOf();
    // Pending with its 3 pages; the release gave back the attempt its start counted.
    assert.deepEqual([w.status, w.committed_pages, w.pages, w.attempts, w.error], ['pending', 3, 3, 0, null]);
    const released = await h.queue.getJob(jobId);
    assert.equal(await released?.getState(), 'delayed');
    assert.equal(released?.attemptsMade, 0, 'handing the slot back uses no attempt');
    // Begun, it comes back ahead of the windows its realm has not begun.
    assert.equal(Number(released?.priority), BEGUN_PRIORITY);
    const due = await dueAt(jobId);
    assert.ok(
      due !== undefined && due >= t0 + 5_000 && due <= t1 + 5_000,
      `due ${due}, asked in ${t0}..${t1}`,
    );

    // The next run: the budget has room; it resumes at page 4 and ends the window.
    const second = scripted([]);
    const resumedAt = starts.length;
    const again = await take(jobId, 'run-2');
    const outcome = await processWindow(again, 'run-2', {
      db: h.tdb.db,
      qbo: recording(starts),
      logger: silent,
      budget: second.budget,
    });
    assert.equal(outcome.status, 'succeeded');
    const pages = starts.length;
    assert.ok(pages > 4, `a window of several pages: ${pages}`);
    assert.equal(starts[resumedAt], pageStartPosition(3, 100), 'resumed at page 4');
    // Every page requested once over both runs, in order.
    assert.deepEqual(
      starts,
      Array.from({ length: pages }, (_, page) => pageStartPosition(page, 100)),
    );
    // Asked before its start and before each of its pages after the first.
    assert.equal(second.asked.length, pages - resumedAt);

    // The window's counters are those of exactly one read.
    const from = new Date(`${day}T00:00:00Z`);
    const to = new Date(from.getTime() + 86_400_000);
    const truth = await fetchTruth(h.emulator.url, h.realmId, 'invoices', from, to);
    w = await windowOf();
    assert.deepEqual(
      [w.status, w.committed_pages, w.pages, w.rows_fetched, w.inserted, w.updated, w.unchanged],
      ['succeeded', pages, pages, truth.count, truth.count, 0, 0],
    );
    assert.deepEqual([w.source_count, w.attempts, w.error], [truth.count, 1, null]);
    assert.deepEqual(await rawIds(h.tdb.db, 'invoices', h.realmId, from, to), [...truth.ids].sort());
  });
  it('begins a window only when its realm has nothing booked ahead, and tries again after beginRetryMs', async () => {
    const { id, data } = await h.windowJob('2025-08-09');
    const jobId = id as string;
    const job = await take(jobId, 'begin-1');
    const priority = Number(job.priority);
    const budget = scripted([40]).budget;
    const t0 = Date.now();
    await assert.rejects(
      processWindow(job, 'begin-1', {
        db: h.tdb.db,
        qbo: h.client,
        logger: silent,
        budget,
        beginRetryMs: 3_000,
      }),
      (err) => err instanceof JobReleasedError,
    );
    const t1 = Date.now();
    const due = await dueAt(jobId);
    assert.ok(
      due !== undefined && due >= t0 + 3_000 && due <= t1 + 3_000,
      `due ${due}, asked in ${t0}..${t1}`,
    );
    const released = await h.queue.getJob(jobId);
    // Nothing read: it keeps its rank among its realm's windows.
    assert.equal(Number(released?.priority), priority);
    const w = await h.tdb.db
      .selectFrom('ops.windows')
      .selectAll()
      .where('run_id', '=', data.runId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([w.status, w.committed_pages, w.attempts], ['pending', 0, 0]);
  });
  it('begins no window while its realm has maxBegunWindows begun and not ended', async () => {
    // A window begun: one page read, then released for the budget (pending, a page behind it).
    const begunJob = await h.windowJob('2025-08-11');
    const taken = await take(begunJob.id as string, 'begun-1');
    await assert.rejects(
      processWindow(taken, 'begun-1', {
        db: h.tdb.db,
        qbo: h.client,
        logger: silent,
        budget: scripted([0, 5_000]).budget,
      }),
      (err) => err instanceof JobReleasedError,
    );
    const fresh = await h.windowJob('2025-08-12');
    const freshId = fresh.id as string;
    const options = { db: h.tdb.db, qbo: h.client, logger: silent, budget: scripted([]).budget };
    await assert.rejects(
      processWindow(await take(freshId, 'fresh-1'), 'fresh-1', { ...options, maxBegunWindows: 1 }),
      (err) => err instanceof JobReleasedError && err.message === `realm ${h.realmId} has 1 windows begun`,
    );
    const held = await h.tdb.db
      .selectFrom('ops.windows')
      .select(['status', 'committed_pages'])
      .where('run_id', '=', fresh.data.runId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(held, { status: 'pending', committed_pages: 0 });
    const outcome = await processWindow(await take(freshId, 'fresh-2'), 'fresh-2', {
      ...options,
      maxBegunWindows: 2,
    });
    assert.equal(outcome.status, 'succeeded');
  });
});
