/**
 * Workers in this process, each with its own BullMQ worker, pools and Redis connections (as a
 * separate process would have), silent: for the tests that start, stop and count them closely.
 */
import { pino } from 'pino';
import type { RunningEmulator } from '@qbo-backfill/emulator';
import { parseConfig, type Config } from '../../src/config/config.js';
import {
  startWorker,
  type RunningWorker,
  type WorkerProcessOptions,
} from '../../src/worker/worker-process.js';
import { emulatorEnv } from './backfill.js';
import { TEST_REDIS_URL } from './redis.js';
import type { FreshStores } from './stores.js';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The environment of a worker (or a command) on `stores` against the emulator's `realmId`; `env` adds to it. */
export function workerEnv(
  emulator: RunningEmulator,
  stores: Pick<FreshStores, 'tdb' | 'prefix'>,
  realmId: string,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    ...emulatorEnv(emulator.url, stores.tdb.url, TEST_REDIS_URL, stores.prefix, realmId),
    LOG_LEVEL: 'silent',
    ...env,
  };
}

/** The configuration parsed from `workerEnv`. */
export const workerConfig = (...args: Parameters<typeof workerEnv>): Config =>
  parseConfig(workerEnv(...args));

/** Starts `count` workers of three jobs at a time (unless `options` says otherwise). */
export function startWorkers(
  config: Config,
  count: number,
  options: Partial<WorkerProcessOptions> = {},
): RunningWorker[] {
  return Array.from({ length: count }, () =>
    startWorker({ config, logger: silent, concurrency: 3, ...options }),
  );
}
