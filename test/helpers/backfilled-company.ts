/**
 * A company backfilled whole through the product: an emulator in process, a fresh database and
 * Redis prefix, one worker in process, and `enqueue --entities all` from `from` to `to` waited to
 * its end. The sync and staging suites start from one.
 */
import { pino } from 'pino';
import { startEmulator, type EmulatorConfig } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker-process.js';
import { emulatorEnv } from './backfill.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from './redis.js';
import { enqueueToEnd } from './worked-company.js';

export interface BackfilledCompany {
  tdb: TestDatabase;
  prefix: string;
  emulator: Awaited<ReturnType<typeof startEmulator>>;
  env: Record<string, string>;
  realmId: string;
  worker: RunningWorker;
  /** Stops the worker and the emulator, deletes the prefix's keys, drops the database. */
  close(): Promise<void>;
}

export async function backfilledCompany(options: {
  label: string;
  seed: number;
  from: string;
  to: string;
  concurrency: number;
  emulator?: Partial<EmulatorConfig>;
  env?: Record<string, string>;
}): Promise<BackfilledCompany> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix(options.label);
  const emulator = await startEmulator({
    port: 0,
    seed: options.seed,
    ...(options.emulator ? { config: options.emulator } : {}),
  });
  const realmId = emulator.realmIds[0] as string;
  const env = {
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const worker = startWorker({ config: parseConfig(env), logger, concurrency: options.concurrency });
  await enqueueToEnd(
    { env, tdb },
    ['--entities', 'all', '--from', options.from, '--to', options.to],
    240_000,
  );
  return {
    tdb,
    prefix,
    emulator,
    env,
    realmId,
    worker,
    close: async () => {
      await worker.close();
      await emulator.close();
      await deletePrefix(prefix);
      await tdb.drop();
    },
  };
}
