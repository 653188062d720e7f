import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig, type Config } from '../../src/config/config.js';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { readsThisMonth } from '../../src/qbo/rate-limit/monthly-reads.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorEnv, emulatorStats, fetchTruth, rawIds, waitForRunEnd } from '../helpers/backfill.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/** QBO's sliding minute scaled down on both sides: 20 requests per 2 s, 3 in flight, per realm. */
const LIMITS = { requestsPerMinute: 20, windowMs: 2_000, maxConcurrent: 3 };
const REALMS = ['4620001', '4620002', '4620003'];

/**
 * Realms share the worker slots fairly: each realm's windows are prioritised round-robin, so a
 * realm enqueued after another is not served only once the first is done; and a window whose
 * realm's budget is booked ahead goes back to the queue without starting.
 */
describe('fair scheduling across realms', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Emulator;
  let queue: Queue<WindowJobData>;
  let workers: RunningWorker[] = [];

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('fair');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    emulator = await startEmulator({ port: 0, seed: 462, realmIds: REALMS, config: LIMITS });
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.close()));
    workers = [];
  });
  after(async () => {
    await queue.close();
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  function workerConfig(): Config {
    return parseConfig({
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, REALMS[0] as string),
      QBO_REQUESTS_PER_MINUTE: String(LIMITS.requestsPerMinute),
      QBO_MAX_CONCURRENT: String(LIMITS.maxConcurrent),
      LOG_LEVEL: 'silent',
    });
  }

  async function enqueue(realmId: string, from: string, to: string): Promise<string> {
    const plan = planBackfill({
      windows: 'day',
      realmId,
      entities: ['invoices'],
      from: new Date(from),
      to: new Date(to),
      startAt: new Date(),
      pageSize: 1000,
    });
    return (await enqueueBackfill(tdb.db, queue, plan)).runId;
  }

  async function assertLoaded(realmId: string, from: string, to: string): Promise<void> {
    const truth = await fetchTruth(emulator.url, realmId, 'invoices', new Date(from), new Date(to));
    const stored = await rawIds(tdb.db, 'invoices', realmId, new Date(from), new Date(to));
    assert.deepEqual(stored, [...truth.ids].sort(), `${realmId} ${from}..${to}`);
  }

  it('serves realms enqueued later alongside the first, not after it', async () => {
    // 24 windows of the first realm, then 4 of each other realm, all enqueued before any worker runs.
    const first = await enqueue(REALMS[0] as string, '2026-01-01', '2026-01-25');
    const second = await enqueue(REALMS[1] as string, '2026-01-01', '2026-01-05');
    const third = await enqueue(REALMS[2] as string, '2026-01-01', '2026-01-05');
    workers.push(
      startWorker({ config: workerConfig(), logger: silent, concurrency: 2, limiter: { windowMs: 2_000 } }),
    );
    for (const runId of [first, second, third]) {
      assert.equal(await waitForRunEnd(tdb.db, runId, 120_000), 'succeeded');
    }
    const started = await tdb.db
      .selectFrom('ops.windows')
      .select(['run_id', 'day'])
      .where('run_id', 'in', [first, second, third])
      .orderBy('started_at')
      .orderBy('day')
      .execute();
    assert.equal(started.length, 32);
    // In queue order the 8 windows of the later realms would start last, at positions 24-31.
    // Round-robin takes them among the first 12 (3 per round for 4 rounds); but a window taken
    // while its realm's budget is booked goes back for a second before it starts (beginRetryMs),
    // and meanwhile the other slot starts the first realm's windows, 100 ms apart at this budget:
    // measured at positions up to 16. Fair holds while they all start before the first realm's
    // last 8.
    const lastOfLater = Math.max(...started.flatMap((w, i) => (w.run_id === first ? [] : [i])));
    assert.ok(lastOfLater < 24, `later realms' last window started at position ${lastOfLater} of 32`);
    for (const realmId of REALMS) {
      assert.deepEqual(Object.keys((await emulatorStats(emulator.url)).realms[realmId]?.requests ?? {}), [
        '200',
      ]);
    }
    // Every request the limiter started is counted for the monthly read quota, per realm.
    const redis = new Redis(TEST_REDIS_URL);
    const reads = await readsThisMonth(redis, prefix).finally(() => redis.disconnect());
    const stats = await emulatorStats(emulator.url);
    for (const realmId of REALMS) {
      assert.equal(reads[realmId], stats.realms[realmId]?.requests['200'], realmId);
    }
    await assertLoaded(REALMS[0] as string, '2026-01-01T00:00:00Z', '2026-01-25T00:00:00Z');
    await assertLoaded(REALMS[1] as string, '2026-01-01T00:00:00Z', '2026-01-05T00:00:00Z');
  });

  it('gives back the slot of a window whose realm is booked ahead, without starting it', async () => {
    const realmId = REALMS[1] as string;
    const runId = await enqueue(realmId, '2026-03-01', '2026-03-21');
    // Every wait counts as booked ahead: most jobs go back to the queue at least once.
    workers.push(
      startWorker({
        config: workerConfig(),
        logger: silent,
        concurrency: 3,
        limiter: { windowMs: 2_000 },
        window: { releaseAfterWaitMs: 0 },
      }),
    );
    assert.equal(await waitForRunEnd(tdb.db, runId, 120_000), 'succeeded');
    const windows = await tdb.db
      .selectFrom('ops.windows')
      .select(['day', 'attempts'])
      .where('run_id', '=', runId)
      .execute();
    assert.equal(windows.length, 20);
    // A job sent back before its window started used no attempt and left no trace on the window.
    assert.deepEqual(
      windows.filter((w) => w.attempts !== 1),
      [],
    );
    const moved = await queue.getJobs(['completed'], 0, -1);
    const released = moved.filter((j) => j.data.runId === runId && j.attemptsStarted > 1).length;
    assert.ok(released > 0, 'some jobs went back to the queue and ran later');
    assert.deepEqual(Object.keys((await emulatorStats(emulator.url)).realms[realmId]?.requests ?? {}), [
      '200',
    ]);
    await assertLoaded(realmId, '2026-03-01T00:00:00Z', '2026-03-21T00:00:00Z');
  });
});
