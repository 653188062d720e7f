import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { QUEUE_NAME, windowJobId, type WindowJobData } from '../../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { resumeRun, retryWindow } from '../../src/backfill/runs/resume.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

describe('resume and retry bookkeeping', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue<WindowJobData>;
  let runId: string;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('resume');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    const plan = planBackfill({
      windows: 'day',
      realmId: '1',
      entities: ['invoices', 'items'],
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-04T00:00:00Z'),
      startAt: new Date(Date.now() + 3_600_000),
      pageSize: 1000,
    });
    runId = (await enqueueBackfill(tdb.db, queue, plan)).runId;
  });
  after(async () => {
    await queue.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  const setStatus = (entity: string, day: string, status: 'failed' | 'running' | 'succeeded') =>
    tdb.db
      .updateTable('ops.windows')
      .set({ status })
      .where('run_id', '=', runId)
      .where('entity', '=', entity)
      .where('day', '=', day)
      .execute();

  it('queues again failed windows and windows whose job is gone, under new job ids, and leaves the rest alone', async () => {
    await setStatus('invoices', '2026-01-01', 'succeeded');
    await queue.remove(windowJobId(runId, 'invoices', '2026-01-01', 0));
    await setStatus('invoices', '2026-01-02', 'failed');
    await queue.remove(windowJobId(runId, 'invoices', '2026-01-02', 0));
    // A window left running with no job (its worker died while recording the failure).
    await setStatus('items', '2026-01-03', 'running');
    await queue.remove(windowJobId(runId, 'items', '2026-01-03', 0));

    const result = await resumeRun(tdb.db, queue, runId);
    assert.equal(result.requeued, 2);
    assert.equal(result.pending, 5);
    // Resumed windows start now; the others keep their original start time.
    const ids = (await queue.getJobs(['waiting', 'delayed'])).map((j) => j.id).sort();
    assert.deepEqual(
      ids,
      [
        windowJobId(runId, 'invoices', '2026-01-02', 1),
        windowJobId(runId, 'invoices', '2026-01-03', 0),
        windowJobId(runId, 'items', '2026-01-01', 0),
        windowJobId(runId, 'items', '2026-01-02', 0),
        windowJobId(runId, 'items', '2026-01-03', 1),
      ].sort(),
    );
    const succeeded = await tdb.db
      .selectFrom('ops.windows')
      .select('status')
      .where('run_id', '=', runId)
      .where('entity', '=', 'invoices')
      .where('day', '=', '2026-01-01')
      .executeTakeFirstOrThrow();
    assert.equal(succeeded.status, 'succeeded');
  });

  it('retry reads a succeeded window again from page one with a fresh job', async () => {
    await tdb.db
      .updateTable('ops.windows')
      .set({ pages: 3, committed_pages: 3, inserted: 10 })
      .where('run_id', '=', runId)
      .where('entity', '=', 'invoices')
      .where('day', '=', '2026-01-01')
      .execute();
    const { jobId } = await retryWindow(tdb.db, queue, runId, 'invoices', '2026-01-01');
    assert.equal(jobId, windowJobId(runId, 'invoices', '2026-01-01', 1));
    assert.ok(await queue.getJob(jobId));
    const w = await tdb.db
      .selectFrom('ops.windows')
      .selectAll()
      .where('run_id', '=', runId)
      .where('entity', '=', 'invoices')
      .where('day', '=', '2026-01-01')
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [w.status, w.pages, w.committed_pages, w.inserted, w.generation],
      ['pending', 0, 0, 0, 1],
    );
    // Asking again while that job is queued adds nothing.
    assert.deepEqual(await retryWindow(tdb.db, queue, runId, 'invoices', '2026-01-01'), { jobId });
  });
});
