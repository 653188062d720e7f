/** A fresh database and Redis key prefix for one test file, and the environment naming them. */
import { createTestDatabase, type TestDatabase } from './db.js';
import { TEST_REDIS_URL, uniquePrefix } from './redis.js';

export interface FreshStores {
  tdb: TestDatabase;
  prefix: string;
  /** `DATABASE_URL`, `REDIS_URL` and `QUEUE_PREFIX` for a command run against them. */
  env: { DATABASE_URL: string; REDIS_URL: string; QUEUE_PREFIX: string };
}

export async function freshStores(label: string): Promise<FreshStores> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix(label);
  return { tdb, prefix, env: { DATABASE_URL: tdb.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix } };
}
