/** What the tests of `enqueue` share: the stores it records into, and QBO's sandbox without a token. */
import type { QueueStores } from './stores.js';
import { countRows } from './stores.js';

/** QBO's sandbox, with a QBO_REFRESH_TOKEN that opens realm 111 only (and no token stored). */
export const sandboxOf111 = (env: Record<string, string>) => ({
  ...env,
  QBO_ENVIRONMENT: 'sandbox',
  QBO_CLIENT_ID: 'x',
  QBO_CLIENT_SECRET: 'y',
  QBO_REALM_ID: '111',
  QBO_REFRESH_TOKEN: 'token-of-realm-111',
});

/** Runs recorded and the queue's jobs in every state: what a refused or dry command leaves as it was. */
export async function recorded(stores: QueueStores): Promise<{ runs: number; jobs: number }> {
  const jobs = await stores.queue.getJobCountByTypes('delayed', 'waiting', 'active', 'completed', 'failed');
  return { runs: await countRows(stores.tdb.db, 'ops.runs'), jobs };
}
