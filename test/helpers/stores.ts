/** A fresh database and Redis key prefix for one test file, and the environment naming them. */
import { Queue } from 'bullmq';
import type { Db } from '../../src/infra/db.js';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from './redis.js';

export interface FreshStores {
  tdb: TestDatabase;
  prefix: string;
  /** `DATABASE_URL`, `REDIS_URL` and `QUEUE_PREFIX` for a command run against them. */
  env: { DATABASE_URL: string; REDIS_URL: string; QUEUE_PREFIX: string };
  /** Deletes the prefix's keys and drops the database. */
  close(): Promise<void>;
}

export async function freshStores(label: string): Promise<FreshStores> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix(label);
  return {
    tdb,
    prefix,
    env: { DATABASE_URL: tdb.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix },
    close: async () => {
      await deletePrefix(prefix);
      await tdb.drop();
    },
  };
}

/** Fresh stores, and the environment of a command run against them with the emulator's settings (no Intuit app needed). */
export interface CommandStores extends Omit<FreshStores, 'env'> {
  env: Record<string, string>;
}

export async function commandStores(label: string): Promise<CommandStores> {
  const stores = await freshStores(label);
  return { ...stores, env: { ...stores.env, QBO_ENVIRONMENT: 'emulator' } };
}

/** Command stores and the window queue on them, as the workers and the commands see it. */
export interface QueueStores extends CommandStores {
  queue: Queue<WindowJobData>;
}

export async function queueStores(label: string): Promise<QueueStores> {
  const stores = await commandStores(label);
  const queue = new Queue<WindowJobData>(QUEUE_NAME, {
    connection: { url: TEST_REDIS_URL },
    prefix: stores.prefix,
  });
  return {
    ...stores,
    queue,
    close: async () => {
      await queue.close();
      await stores.close();
    },
  };
}

/** How many rows a table of the operations schema holds: what a refused command must leave as it was. */
export async function countRows(db: Db, table: 'ops.runs' | 'ops.windows' | 'ops.tokens'): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
