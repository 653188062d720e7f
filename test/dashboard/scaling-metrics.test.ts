import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/infra/logger.js';
import { createQueue, createRedis, type WindowJobData } from '../../src/infra/queue.js';
import { registerScalingMetrics } from '../../src/dashboard/scaling-metrics.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { sample } from './metrics-text.js';

const window = (day: string): WindowJobData => ({
  runId: 'run-a',
  realmId: '9130354',
  entity: 'invoices',
  day,
  windowStart: `${day}T00:00:00.000Z`,
  windowEnd: `${day}T23:59:59.999Z`,
  pageSize: 100,
});

/** What KEDA scales the workers on: the backlog BullMQ keeps in a list and two sorted sets, and QBO's ceiling. */
describe('scaling metrics', () => {
  let tdb: TestDatabase;
  const prefix = uniquePrefix('scaling');
  const redis = createRedis(TEST_REDIS_URL);
  const queue = createQueue(redis, prefix);

  before(async () => {
    tdb = await createTestDatabase();
    await queue.add('invoices', window('2026-01-01')); // waiting
    await queue.add('invoices', window('2026-01-02'), { priority: 5 }); // prioritized
    await queue.add('invoices', window('2026-01-03'), { delay: 1_000 }); // a retry's backoff: due soon
    await queue.add('invoices', window('2026-01-04'), { delay: 4 * 60_000 }); // a run starting in 4 min
    await queue.add('invoices', window('2026-01-05'), { delay: 3_600_000 }); // a run starting in an hour
    const run = {
      entities: ['invoices'],
      range_start_utc: '2026-01-01T00:00:00Z',
      range_end_utc: '2026-01-06T00:00:00Z',
      page_size: 100,
      start_at_utc: '2026-01-01T00:00:00Z',
    };
    await tdb.db
      .insertInto('ops.runs')
      .values([
        { ...run, realm_id: '1001', run_id: 'a', dedupe_key: 'a', status: 'running' },
        { ...run, realm_id: '1001', run_id: 'b', dedupe_key: 'b', status: 'scheduled' },
        { ...run, realm_id: '1002', run_id: 'c', dedupe_key: 'c', status: 'scheduled' },
        { ...run, realm_id: '1003', run_id: 'd', dedupe_key: 'd', status: 'succeeded' },
      ])
      .execute();
  });
  after(async () => {
    await queue.close();
    redis.disconnect();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('counts waiting, prioritized and soon-due delayed jobs, and realms with a live run x their in-flight limit', async () => {
    const registry = new Registry();
    registerScalingMetrics(registry, {
      queues: [queue],
      db: tdb.db,
      maxConcurrent: 10,
      log: createLogger({ level: 'silent' }),
    });
    const text = await registry.metrics();
    // Of the five jobs, the one delayed an hour needs no worker yet.
    assert.equal(sample(text, 'qbo_backfill_queue_backlog', { queue: 'backfill-windows' }), 4);
    // Realms 1001 (two live runs) and 1002; 1003's run has ended.
    assert.equal(sample(text, 'qbo_backfill_useful_job_slots'), 20);
  });
});
