/** Enqueue: plan and enqueue 3 years x 3 entities (3,288 window jobs), then the same again. */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { dayPlan, ms, type BenchResult } from './lib.js';

export async function benchEnqueue(): Promise<BenchResult> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench');
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  try {
    const plan = dayPlan(
      '1',
      ['invoices', 'customers', 'items'],
      new Date('2024-01-01T00:00:00Z'),
      new Date('2027-01-01T00:00:00Z'),
      {
        startAt: new Date(Date.now() + 3_600_000),
      },
    );
    const t0 = performance.now();
    const run = await enqueueBackfill(tdb.db, queue, plan);
    const first = ms(t0);
    const t1 = performance.now();
    const again = await enqueueBackfill(tdb.db, queue, plan);
    const second = ms(t1);
    const delayed = await queue.getDelayedCount();
    return {
      rows: [
        `| enqueue 2024-01-01..2026-12-31, 3 entities | ${run.jobs} jobs (${delayed} delayed in Redis) | ${first} ms |`,
        `| same enqueue again (returns the live run, adds nothing) | existing=${again.existing} | ${second} ms |`,
      ],
    };
  } finally {
    await queue.close();
    await deletePrefix(prefix);
    await tdb.drop();
  }
}
