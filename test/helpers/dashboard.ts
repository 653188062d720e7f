/** A dashboard on a free port over a fresh database and Redis prefix, behind a known login. */
import { parseConfig, type Env } from '../../src/config/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { createLogger } from '../../src/infra/logger.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from './redis.js';

export interface TestDashboard {
  tdb: TestDatabase;
  prefix: string;
  dashboard: Dashboard;
  /** Closes the dashboard, deletes the prefix's keys, drops the database. */
  close(): Promise<void>;
}

/** Starts one; `env` adds to (or overrides) the database, Redis, prefix and login settings. */
export async function startTestDashboard(
  label: string,
  login: { user: string; password: string },
  env: Env = {},
): Promise<TestDashboard> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix(label);
  const config = parseConfig({
    DATABASE_URL: tdb.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    DASHBOARD_USER: login.user,
    DASHBOARD_PASSWORD: login.password,
    ...env,
  });
  const dashboard = await startDashboard({
    config,
    port: 0,
    host: '127.0.0.1',
    logger: createLogger({ level: 'silent' }),
  });
  return {
    tdb,
    prefix,
    dashboard,
    close: async () => {
      await dashboard.close();
      await deletePrefix(prefix);
      await tdb.drop();
    },
  };
}
