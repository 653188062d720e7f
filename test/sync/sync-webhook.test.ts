import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startEmulator } from '../../src/emulator/index.js';
import { parseConfig } from '../../src/shared/config.js';
import { createSyncQueue } from '../../src/sync/sync-queue.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { signWebhookBody } from '../../src/dashboard/webhook-signature.js';
import { startWorker, type RunningWorker } from '../../src/workers/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/cli.js';
import { emulatorEnv, fetchTruth } from '../helpers/backfill.js';

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

  const deliver = async (body: string, signature: string) => {
    const res = await fetch(`${dashboard.url}/webhooks/intuit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'intuit-signature': signature },
      body,
    });
    return { status: res.status, body: await res.json() };
  };
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
    await tdb.db
      .insertInto('ops.sync_marks')
      .values({
        realm_id: realmId,
        entity: 'invoices',
        mark_utc: new Date(Date.now() - 3_600_000),
        basis: 'cdc',
      })
      .execute();
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

  it('answers 401 to a bad signature and queues no cycle', async () => {
    const body = JSON.stringify([cloudEvent(realmId, '1')]);
    const r = await deliver(body, signWebhookBody(body, 'not-the-apps-verifier-token'));
    assert.deepEqual(r, { status: 401, body: { error: 'intuit-signature does not match the body' } });
    // The route answers after enqueueing, so an empty queue now means nothing was queued.
    assert.equal(await queue.count(), 0);
    assert.deepEqual(await cycles(), []);
  });

  it('runs a sync cycle for the realm a signed webhook names, with no command', async () => {
    const truth = await fetchTruth(emulator.url, realmId, 'invoices', new Date('2024-01-01'), new Date());
    const id = truth.ids[0] as string;
    // An invoice edited at the source now; Intuit notifies its id.
    const touched = await fetch(`${emulator.url}/__emulator/records/touch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ realmId, entity: 'Invoice', id }),
    });
    assert.equal(touched.status, 200);
    const edited = (await touched.json()) as { SyncToken: string };

    const body = JSON.stringify([cloudEvent(realmId, id)]);
    assert.deepEqual(await deliver(body, signWebhookBody(body, VERIFIER)), {
      status: 200,
      body: { accepted: 1, duplicates: 0, realms: [realmId], unknownRealms: [] },
    });
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
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal((row.payload as { SyncToken: string }).SyncToken, edited.SyncToken);
    assert.equal(row.deleted_at_utc, null);
  });
});

function cloudEvent(realmId: string, entityId: string) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'intuit.e2e',
    type: 'qbo.invoice.updated.v1',
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    intuitentityid: entityId,
    intuitaccountid: realmId,
    data: {},
  };
}
