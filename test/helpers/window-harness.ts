/**
 * One window job run in-process, the way a worker runs it, against real PostgreSQL and Redis and
 * the emulator's large profile over HTTP (about 1,000 invoices a day, so a window of pages of 100
 * spans many pages). Tests wrap its QBO client to change the world between two pages.
 */
import { Queue, type Job } from 'bullmq';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { QUEUE_NAME, windowJobId, type WindowJobData } from '../../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { AccessTokenProvider } from '../../src/qbo/auth/access-tokens.js';
import { QboClient } from '../../src/qbo/qbo-client.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from './redis.js';
import { emulatorEnv } from './backfill.js';

export const silent = pino({ level: 'silent' });

export interface WindowHarness {
  tdb: TestDatabase;
  emulator: Awaited<ReturnType<typeof startEmulator>>;
  client: QboClient;
  realmId: string;
  /** The queue the runs' jobs are enqueued to (delayed an hour), for tests that run the real job. */
  queue: Queue<WindowJobData>;
  /**
   * Creates a run of invoices from `day` (pages of 100; one day, or `days` of an adaptive plan)
   * and returns a stand-in for the job of its (first) window.
   */
  windowJob(day: string, adaptiveDays?: number): Promise<Job<WindowJobData>>;
  close(): Promise<void>;
}

export async function startWindowHarness(name: string, seed: number): Promise<WindowHarness> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix(name);
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const emulator = await startEmulator({ port: 0, profile: 'large', seed });
  const realmId = emulator.realmIds[0] as string;
  const config = parseConfig({
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
    LOG_LEVEL: 'silent',
  });
  const tokens = new AccessTokenProvider({
    db: tdb.db,
    tokenUrl: config.qbo.tokenUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    encryptionKey: config.tokenEncryptionKey as Buffer,
    initialRefreshToken: emulator.refreshToken,
    logger: silent,
  });
  const client = new QboClient({
    baseUrl: emulator.url,
    scheduler: { schedule: (_realm, fn) => fn() },
    tokens,
    logger: silent,
  });
  const windowJob = async (day: string, adaptiveDays?: number): Promise<Job<WindowJobData>> => {
    const from = new Date(`${day}T00:00:00Z`);
    const to = new Date(from.getTime() + (adaptiveDays ?? 1) * 86_400_000);
    const plan = planBackfill({
      windows: adaptiveDays === undefined ? 'day' : 'adaptive',
      realmId,
      entities: ['invoices'],
      from,
      to,
      startAt: new Date(Date.now() + 3_600_000),
      pageSize: 100,
    });
    const run = await enqueueBackfill(tdb.db, queue, plan);
    const data: WindowJobData = {
      runId: run.runId,
      realmId,
      entity: 'invoices',
      day,
      windowStart: from.toISOString(),
      windowEnd: to.toISOString(),
      pageSize: 100,
    };
    return {
      id: windowJobId(run.runId, 'invoices', day, 0),
      data,
      opts: { attempts: 1 },
      attemptsMade: 0,
      updateProgress: () => Promise.resolve(),
      log: () => Promise.resolve(0),
      moveToDelayed: () => Promise.resolve(),
    } as unknown as Job<WindowJobData>;
  };
  return {
    tdb,
    emulator,
    client,
    realmId,
    queue,
    windowJob,
    async close() {
      await tokens.close();
      await queue.close();
      await deletePrefix(prefix);
      await emulator.close();
      await tdb.drop();
    },
  };
}
