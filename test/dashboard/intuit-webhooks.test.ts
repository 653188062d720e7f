import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QUEUE_NAME } from '../../src/infra/queue.js';
import { SYNC_QUEUE_NAME, syncSchedulerId } from '../../src/sync/sync-queue.js';
import {
  AUTH,
  REALM_A,
  REALM_B,
  REALM_UNKNOWN,
  DEBOUNCE_MS,
  cloudEvent,
  post,
  useWebhookDashboard,
} from './webhook-fixture.js';

void describe('POST /webhooks/intuit', () => {
  const w = useWebhookDashboard();
  const { jobs, metric } = w;

  void it('takes a signed CloudEvents batch without a login: one delayed webhook cycle per realm', async () => {
    const batch = [cloudEvent(REALM_A, '95'), cloudEvent(REALM_B, '7'), cloudEvent(REALM_A, '96')];
    const r = await post(w.dashboard.url, JSON.stringify(batch));
    assert.deepEqual(r, {
      status: 200,
      body: { accepted: 3, duplicates: 0, realms: [REALM_A, REALM_B], unknownRealms: [] },
    });
    assert.deepEqual(await jobs(), [
      { realmId: REALM_A, trigger: 'webhook', delay: DEBOUNCE_MS },
      { realmId: REALM_B, trigger: 'webhook', delay: DEBOUNCE_MS },
    ]);
  });

  void it('folds five notifications of one realm within the debounce into one cycle', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await post(w.dashboard.url, JSON.stringify([cloudEvent(REALM_A, String(100 + i))]));
      assert.deepEqual(r.body, { accepted: 1, duplicates: 0, realms: [REALM_A], unknownRealms: [] });
    }
    assert.deepEqual(await jobs(), [{ realmId: REALM_A, trigger: 'webhook', delay: DEBOUNCE_MS }]);
  });

  void it('makes no cycle for a delivery repeated, even once the debounce is over', async () => {
    const first = cloudEvent(REALM_A, '1');
    const body = JSON.stringify([first, cloudEvent(REALM_B, '2')]);
    assert.equal((await post(w.dashboard.url, body)).status, 200);
    // Removing the jobs ends their debounce too: whatever is enqueued next is a new job.
    for (const job of await w.queue.getJobs(['delayed'])) await job.remove();
    const before = { duplicate: await metric('duplicate'), accepted: await metric('accepted') };
    const again = await post(w.dashboard.url, body);
    assert.deepEqual(again, {
      status: 200,
      body: { accepted: 0, duplicates: 2, realms: [], unknownRealms: [] },
    });
    assert.deepEqual(await jobs(), []);
    assert.equal(await metric('duplicate'), (before.duplicate ?? NaN) + 2);
    assert.equal(await metric('accepted'), before.accepted);
    // The same event twice in one batch counts once; a new event of the realm makes its cycle.
    const fresh = cloudEvent(REALM_A, '3');
    const mixed = await post(w.dashboard.url, JSON.stringify([fresh, fresh, first]));
    assert.deepEqual(mixed.body, { accepted: 1, duplicates: 2, realms: [REALM_A], unknownRealms: [] });
    assert.deepEqual(await jobs(), [{ realmId: REALM_A, trigger: 'webhook', delay: DEBOUNCE_MS }]);
  });

  void it('takes the legacy eventNotifications body', async () => {
    const body = JSON.stringify({
      eventNotifications: [
        {
          realmId: REALM_B,
          dataChangeEvent: {
            entities: [
              { name: 'Invoice', id: '1', operation: 'Create', lastUpdated: '2026-03-02T20:52:31.657Z' },
              { name: 'Customer', id: '4', operation: 'Update', lastUpdated: '2026-03-02T20:52:32.000Z' },
            ],
          },
        },
      ],
    });
    assert.deepEqual(await post(w.dashboard.url, body), {
      status: 200,
      body: { accepted: 1, duplicates: 0, realms: [REALM_B], unknownRealms: [] },
    });
    assert.deepEqual(await jobs(), [{ realmId: REALM_B, trigger: 'webhook', delay: DEBOUNCE_MS }]);
    // A repeat of the same notification, byte for byte, is a duplicate.
    for (const job of await w.queue.getJobs(['delayed'])) await job.remove();
    assert.deepEqual((await post(w.dashboard.url, body)).body, {
      accepted: 0,
      duplicates: 1,
      realms: [],
      unknownRealms: [],
    });
    assert.deepEqual(await jobs(), []);
  });

  void it('skips realms the product does not sync, counted as unknown_realm', async () => {
    const before = await metric('unknown_realm');
    const r = await post(w.dashboard.url, JSON.stringify([cloudEvent(REALM_UNKNOWN), cloudEvent(REALM_A)]));
    assert.deepEqual(r, {
      status: 200,
      body: { accepted: 1, duplicates: 0, realms: [REALM_A], unknownRealms: [REALM_UNKNOWN] },
    });
    assert.deepEqual(await jobs(), [{ realmId: REALM_A, trigger: 'webhook', delay: DEBOUNCE_MS }]);
    assert.equal(await metric('unknown_realm'), (before ?? NaN) + 1);
  });

  void it('shows the sync queue in Bull Board beside the window queue, with its webhook cycles and schedulers', async () => {
    await post(w.dashboard.url, JSON.stringify([cloudEvent(REALM_A)]));
    // As `sync --every` installs it: its first cycle is due at once.
    await w.queue.upsertJobScheduler(
      syncSchedulerId(REALM_B),
      { every: 900_000 },
      {
        name: 'sync-cycle',
        data: { realmId: REALM_B, entities: null, trigger: 'schedule', rereadEveryMs: 3_600_000 },
      },
    );
    const board = async (status: string) => {
      const res = await fetch(
        `${w.dashboard.url}/admin/queues/api/queues?activeQueue=${SYNC_QUEUE_NAME}&status=${status}`,
        { headers: AUTH },
      );
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        queues: {
          name: string;
          counts: Record<string, number>;
          jobs: { data: { realmId: string; trigger: string } }[];
        }[];
      };
      assert.deepEqual(body.queues.map((q) => q.name).sort(), [QUEUE_NAME, SYNC_QUEUE_NAME].sort());
      const sync = body.queues.find((q) => q.name === SYNC_QUEUE_NAME);
      return {
        delayed: sync?.counts.delayed,
        waiting: sync?.counts.waiting,
        jobs: sync?.jobs.map((j) => `${j.data.realmId} ${j.data.trigger}`),
      };
    };
    assert.deepEqual(await board('delayed'), { delayed: 1, waiting: 1, jobs: [`${REALM_A} webhook`] });
    assert.deepEqual(await board('waiting'), { delayed: 1, waiting: 1, jobs: [`${REALM_B} schedule`] });
  });
});
