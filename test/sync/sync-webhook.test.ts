import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { createSyncQueue } from '../../src/sync/sync-queue.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/cli.js';
import { emulatorEnv, fetchTruth } from '../helpers/backfill.js';
import { seedSyncMark } from '../helpers/sync.js';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const VERIFIER = 'e2e-webhook-verifier-token';

/** Intuit's webhook, end to end: a signed notification is enough for the workers to sync the realm. */
describe('sync from webhooks', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let realmId: string;
  let worker: RunningWorker;
  let dashboard: Dashboard;
  let queue: ReturnType<typeof createSyncQueue>;
  let invoiceId: string;
  let edited: { SyncToken: string };

  const cycles = () =>
    tdb.db.selectFrom('ops.sync_cycles').select(['realm_id', 'trigger', 'status']).execute();

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('sync-webhook');
    emulator = await startEmulator({ port: 0, seed: 57 });
    realmId = emulator.realmIds[0] as string;
    const env = {
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
      LOG_LEVEL: 'silent',
      DASHBOARD_USER: 'operator',
      DASHBOARD_PASSWORD: 'e2e-dashboard-password',
      QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
    };
    const config = parseConfig(env);
    queue = createSyncQueue({ url: TEST_REDIS_URL }, prefix);
    // Invoices synced up to an hour ago (as a backfill's hand-over would leave them).
    await seedSyncMark(tdb.db, realmId, 'invoices');
    // A short debounce: the cycle is due soon after the notification, not 5 s later.
    dashboard = await startDashboard({
      config,
      port: 0,
      host: '127.0.0.1',
      logger: silent,
      webhookDebounceMs: 100,
    });
    worker = startWorker({ config, logger: silent, concurrency: 1 });
  });
  after(async () => {
    await worker?.close();
    await dashboard?.close();
    await queue?.close();
    await emulator?.close();
    await deletePrefix(prefix);
    await tdb?.drop();
  });

  it('answers 401 to a delivery signed with another token and queues no cycle', async () => {
    // The emulator delivers as Intuit does, signed, but here with a token that is not the app's.
    emulator.setConfig({
      webhookUrl: `${dashboard.url}/webhooks/intuit`,
      webhookVerifierToken: 'not-the-apps-verifier-token',
      webhookIntervalMs: 3_600_000, // delivered when the test flushes, not by the emulator's timer
    });
    invoiceId = (await fetchTruth(emulator.url, realmId, 'invoices', new Date('2024-01-01'), new Date()))
      .ids[0] as string;
    // An invoice edited at the source now; the emulator queues its notification.
    edited = emulator.touchRecord({ realmId, entity: 'Invoice', id: invoiceId }) as { SyncToken: string };
    await emulator.flushWebhooks();
    assert.deepEqual(emulator.stats().webhooks, { batches: 0, events: 0, failures: 1, dropped: 0 });
    // The route answers after enqueueing, so an empty queue now means nothing was queued.
    assert.equal(await queue.count(), 0);
    assert.deepEqual(await cycles(), []);
  });

  it('runs a sync cycle for the realm a signed webhook names, with no command', async () => {
    // The verifier token fixed: Intuit's retry (the emulator kept the events) is taken.
    emulator.setConfig({ webhookVerifierToken: VERIFIER });
    await emulator.flushWebhooks();
    assert.deepEqual(emulator.stats().webhooks, { batches: 1, events: 1, failures: 1, dropped: 0 });
    const cycle = await waitFor(
      async () => (await cycles()).find((c) => c.status === 'succeeded'),
      60_000,
      'a webhook cycle to succeed',
    );
    assert.deepEqual(cycle, { realm_id: realmId, trigger: 'webhook', status: 'succeeded' });
    assert.equal((await cycles()).length, 1);
    const row = await tdb.db
      .selectFrom('raw.qb_invoices')
      .select(['payload', 'deleted_at_utc'])
      .where('realm_id', '=', realmId)
      .where('id', '=', invoiceId)
      .executeTakeFirstOrThrow();
    assert.equal((row.payload as { SyncToken: string }).SyncToken, edited.SyncToken);
    assert.equal(row.deleted_at_utc, null);
  });
});
