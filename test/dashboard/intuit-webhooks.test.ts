import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestDatabase } from '../helpers/db.js';
import { freshStores } from '../helpers/stores.js';
import { deletePrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';
import { encryptionKey, parseConfig, type Env } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { createSyncQueue, SYNC_QUEUE_NAME, syncSchedulerId } from '../../src/sync/sync-queue.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { boundPort, closeServer, listen } from '../../src/dashboard/http-server.js';
import { intuitWebhookRouter } from '../../src/dashboard/intuit-webhooks.js';
import { createRedis, QUEUE_NAME } from '../../src/infra/queue.js';
import express from 'express';
import { Registry } from 'prom-client';
import { signWebhookBody } from '../../src/dashboard/webhook-signature.js';
import { sample } from './metrics-text.js';

const USER = 'operator';
const PASSWORD = 'webhook-test-password';
const AUTH = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
const VERIFIER = 'f3c1a9e2-5b7d-4c1e-9a0b-webhook-verifier';
const KEY_TEXT = 'webhook-test-token-encryption-key-0123456789';
const REALM_A = '9130354000000001';
const REALM_B = '9130354000000002';
/** Connected to the app at Intuit, but never to the product: no token stored. */
const REALM_UNKNOWN = '9130354000000099';
const DEBOUNCE_MS = 60_000;
const logger = createLogger({ level: 'silent' });

/** One CloudEvent as Intuit sends it (field names from Intuit's CloudEvents format). */
function cloudEvent(realmId: string, entityId = '95', type = 'qbo.invoice.created.v1') {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
    type,
    datacontenttype: 'application/json',
    time: '2026-03-02T21:31:25.179Z',
    intuitentityid: entityId,
    intuitaccountid: realmId,
    data: {},
  };
}

interface Posted {
  status: number;
  body: unknown;
}

/** POSTs a body to the route, signed with `token` unless a signature is given (null: no header). */
async function post(
  url: string,
  body: string,
  options: { token?: string; signature?: string | null } = {},
): Promise<Posted> {
  const signature =
    options.signature === undefined ? signWebhookBody(body, options.token ?? VERIFIER) : options.signature;
  const res = await fetch(`${url}/webhooks/intuit`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'intuit-signature': signature }),
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

void describe('POST /webhooks/intuit', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let env: Env;
  let dashboard: Dashboard;
  let queue: ReturnType<typeof createSyncQueue>;

  const jobs = async () => {
    const all = await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    return all
      .map((j) => ({ realmId: j.data.realmId, trigger: j.data.trigger, delay: j.opts.delay }))
      .sort((a, b) => a.realmId.localeCompare(b.realmId));
  };
  const metric = async (outcome: string) => {
    const res = await fetch(`${dashboard.url}/metrics`, { headers: AUTH });
    return sample(await res.text(), 'qbo_backfill_webhook_deliveries_total', { outcome });
  };

  before(async () => {
    const stores = await freshStores('webhooks');
    ({ tdb, prefix } = stores);
    env = {
      ...stores.env,
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
      TOKEN_ENCRYPTION_KEY: KEY_TEXT,
      QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
    };
    const key = encryptionKey(KEY_TEXT) as Buffer;
    for (const realm of [REALM_A, REALM_B]) await setRefreshToken(tdb.db, key, realm, `token-${realm}`);
    dashboard = await startDashboard({
      config: parseConfig(env),
      port: 0,
      host: '127.0.0.1',
      logger,
      webhookDebounceMs: DEBOUNCE_MS,
    });
    queue = createSyncQueue({ url: TEST_REDIS_URL }, prefix);
  });
  beforeEach(async () => {
    // Each case starts with no job and no event seen.
    await deletePrefix(prefix);
  });
  after(async () => {
    await dashboard?.close();
    await queue?.close();
    await deletePrefix(prefix);
    await tdb?.drop();
  });

  void it('takes a signed CloudEvents batch without a login: one delayed webhook cycle per realm', async () => {
    const batch = [cloudEvent(REALM_A, '95'), cloudEvent(REALM_B, '7'), cloudEvent(REALM_A, '96')];
    const r = await post(dashboard.url, JSON.stringify(batch));
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
      const r = await post(dashboard.url, JSON.stringify([cloudEvent(REALM_A, String(100 + i))]));
      assert.deepEqual(r.body, { accepted: 1, duplicates: 0, realms: [REALM_A], unknownRealms: [] });
    }
    assert.deepEqual(await jobs(), [{ realmId: REALM_A, trigger: 'webhook', delay: DEBOUNCE_MS }]);
  });

  void it('makes no cycle for a delivery repeated, even once the debounce is over', async () => {
    const first = cloudEvent(REALM_A, '1');
    const body = JSON.stringify([first, cloudEvent(REALM_B, '2')]);
    assert.equal((await post(dashboard.url, body)).status, 200);
    // Removing the jobs ends their debounce too: whatever is enqueued next is a new job.
    for (const job of await queue.getJobs(['delayed'])) await job.remove();
    const before = { duplicate: await metric('duplicate'), accepted: await metric('accepted') };
    const again = await post(dashboard.url, body);
    assert.deepEqual(again, {
      status: 200,
      body: { accepted: 0, duplicates: 2, realms: [], unknownRealms: [] },
    });
    assert.deepEqual(await jobs(), []);
    assert.equal(await metric('duplicate'), (before.duplicate ?? NaN) + 2);
    assert.equal(await metric('accepted'), before.accepted);
    // The same event twice in one batch counts once; a new event of the realm makes its cycle.
    const fresh = cloudEvent(REALM_A, '3');
    const mixed = await post(dashboard.url, JSON.stringify([fresh, fresh, first]));
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
    assert.deepEqual(await post(dashboard.url, body), {
      status: 200,
      body: { accepted: 1, duplicates: 0, realms: [REALM_B], unknownRealms: [] },
    });
    assert.deepEqual(await jobs(), [{ realmId: REALM_B, trigger: 'webhook', delay: DEBOUNCE_MS }]);
    // A repeat of the same notification, byte for byte, is a duplicate.
    for (const job of await queue.getJobs(['delayed'])) await job.remove();
    assert.deepEqual((await post(dashboard.url, body)).body, {
      accepted: 0,
      duplicates: 1,
      realms: [],
      unknownRealms: [],
    });
    assert.deepEqual(await jobs(), []);
  });

  void it('skips realms the product does not sync, counted as unknown_realm', async () => {
    const before = await metric('unknown_realm');
    const r = await post(dashboard.url, JSON.stringify([cloudEvent(REALM_UNKNOWN), cloudEvent(REALM_A)]));
    assert.deepEqual(r, {
      status: 200,
      body: { accepted: 1, duplicates: 0, realms: [REALM_A], unknownRealms: [REALM_UNKNOWN] },
    });
    assert.deepEqual(await jobs(), [{ realmId: REALM_A, trigger: 'webhook', delay: DEBOUNCE_MS }]);
    assert.equal(await metric('unknown_realm'), (before ?? NaN) + 1);
  });

  void it('answers 401 to a missing or wrong signature and enqueues nothing', async () => {
    const body = JSON.stringify([cloudEvent(REALM_A)]);
    const before = await metric('bad_signature');
    const cases: [string | null, string][] = [
      [null, 'missing intuit-signature header'],
      ['', 'missing intuit-signature header'],
      [signWebhookBody(body, 'another-apps-verifier-token'), 'intuit-signature does not match the body'],
      [signWebhookBody(`${body} `, VERIFIER), 'intuit-signature does not match the body'],
      ['c2hvcnQ=', 'intuit-signature does not match the body'],
    ];
    for (const [signature, error] of cases) {
      assert.deepEqual(await post(dashboard.url, body, { signature }), { status: 401, body: { error } });
    }
    assert.deepEqual(await jobs(), []);
    assert.equal(await metric('bad_signature'), (before ?? NaN) + cases.length);
  });

  void it('answers 400 with one line to a body Intuit does not send, and enqueues nothing', async () => {
    const event = cloudEvent(REALM_A);
    const { intuitaccountid: _, ...noRealm } = event;
    const cases: [string, string][] = [
      ['{"eventNotifications": [', 'the body is not JSON'],
      ['', 'the body is not JSON'],
      [
        '{"hello":"world"}',
        'expected a CloudEvents batch (a JSON array of events) or an object with eventNotifications',
      ],
      ['[]', 'a CloudEvents batch of no events'],
      [JSON.stringify([event, 'x']), 'event 1: expected a JSON object'],
      [JSON.stringify([noRealm]), 'event 0: no intuitaccountid (the realm id)'],
      [
        JSON.stringify([{ ...event, intuitaccountid: 9130354 }]),
        'event 0: intuitaccountid must be a realm id (a string of digits)',
      ],
      [
        JSON.stringify([{ ...event, intuitaccountid: '../etc' }]),
        'event 0: intuitaccountid must be a realm id (a string of digits)',
      ],
      [JSON.stringify([{ ...event, id: '' }]), 'event 0: no id'],
      ['{"eventNotifications":[]}', 'eventNotifications: expected a non-empty array'],
      ['{"eventNotifications":[{"dataChangeEvent":{}}]}', 'eventNotifications[0]: no realmId (the realm id)'],
    ];
    const before = await metric('malformed');
    for (const [body, error] of cases) {
      assert.deepEqual(await post(dashboard.url, body), { status: 400, body: { error } }, body);
    }
    assert.deepEqual(await jobs(), []);
    assert.equal(await metric('malformed'), (before ?? NaN) + cases.length);
  });

  void it('answers 413 to a body over 1 MiB', async () => {
    const body = JSON.stringify([{ ...cloudEvent(REALM_A), data: { pad: 'x'.repeat(1_048_576) } }]);
    assert.deepEqual(await post(dashboard.url, body), {
      status: 413,
      body: { error: 'body over 1048576 bytes' },
    });
    assert.deepEqual(await jobs(), []);
  });

  void it('shows the sync queue in Bull Board beside the window queue, with its webhook cycles and schedulers', async () => {
    await post(dashboard.url, JSON.stringify([cloudEvent(REALM_A)]));
    // As `sync --every` installs it: its first cycle is due at once.
    await queue.upsertJobScheduler(
      syncSchedulerId(REALM_B),
      { every: 900_000 },
      {
        name: 'sync-cycle',
        data: { realmId: REALM_B, entities: null, trigger: 'schedule', rereadEveryMs: 3_600_000 },
      },
    );
    const board = async (status: string) => {
      const res = await fetch(
        `${dashboard.url}/admin/queues/api/queues?activeQueue=${SYNC_QUEUE_NAME}&status=${status}`,
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

  void it('keeps the login on every other route', async () => {
    assert.equal((await fetch(`${dashboard.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${dashboard.url}/webhooks/intuit`)).status, 401);
  });

  void it('answers 404 without a verifier token configured, as to any route it does not serve', async () => {
    const { QBO_WEBHOOK_VERIFIER_TOKEN: _, ...withoutToken } = env;
    const other = await startDashboard({
      config: parseConfig(withoutToken),
      port: 0,
      host: '127.0.0.1',
      logger,
    });
    try {
      const r = await post(other.url, JSON.stringify([cloudEvent(REALM_A)]));
      assert.deepEqual(r, { status: 404, body: 'Not Found\n' });
      assert.deepEqual(await jobs(), []);
    } finally {
      await other.close();
    }
  });

  void it('reads the verifier token from QBO_WEBHOOK_VERIFIER_TOKEN_FILE (its trailing newline ignored)', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'qbo-webhook-')), 'verifier');
    writeFileSync(file, 'token-from-a-secret-file\n');
    const { QBO_WEBHOOK_VERIFIER_TOKEN: _, ...rest } = env;
    const config = parseConfig({ ...rest, QBO_WEBHOOK_VERIFIER_TOKEN_FILE: file });
    const other = await startDashboard({ config, port: 0, host: '127.0.0.1', logger });
    try {
      const body = JSON.stringify([cloudEvent(REALM_B)]);
      const r = await post(other.url, body, { token: 'token-from-a-secret-file' });
      assert.deepEqual(r.body, { accepted: 1, duplicates: 0, realms: [REALM_B], unknownRealms: [] });
      assert.equal((await post(other.url, body, { token: VERIFIER })).status, 401);
    } finally {
      await other.close();
    }
  });

  void it('marks events seen only once their cycle is queued: a failed enqueue loses nothing', async () => {
    // The route alone, over a queue whose first add fails as on a Redis blip (Redis itself is up).
    const flaky = createSyncQueue({ url: TEST_REDIS_URL }, prefix);
    const realAdd = flaky.add.bind(flaky);
    let failNext = true;
    flaky.add = (...args: Parameters<typeof realAdd>) => {
      if (!failNext) return realAdd(...args);
      failNext = false;
      return Promise.reject(new Error('Connection is closed.'));
    };
    const redis = createRedis(TEST_REDIS_URL);
    const app = express();
    app.use(
      intuitWebhookRouter({
        verifierToken: VERIFIER,
        config: parseConfig(env),
        redis,
        db: tdb.db,
        queue: flaky,
        registry: new Registry(),
        log: logger,
        debounceMs: DEBOUNCE_MS,
      }),
    );
    const server = await listen(app, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${boundPort(server)}`;
    try {
      const body = JSON.stringify([cloudEvent(REALM_A)]);
      assert.equal((await post(url, body)).status, 503);
      assert.deepEqual(await jobs(), []);
      // Intuit's retry of the same delivery is not taken for a duplicate: it makes the cycle.
      assert.deepEqual(await post(url, body), {
        status: 200,
        body: { accepted: 1, duplicates: 0, realms: [REALM_A], unknownRealms: [] },
      });
      assert.deepEqual(await jobs(), [{ realmId: REALM_A, trigger: 'webhook', delay: DEBOUNCE_MS }]);
    } finally {
      await closeServer(server, 1_000);
      await flaky.close();
      redis.disconnect();
    }
  });

  void it('answers 503 when Redis is unreachable, so that Intuit retries', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const config = parseConfig({ ...env, REDIS_URL: deadRedis });
    const other = await startDashboard({ config, port: 0, host: '127.0.0.1', logger });
    try {
      const r = await post(other.url, JSON.stringify([cloudEvent(REALM_A)]));
      assert.deepEqual(r, {
        status: 503,
        body: { error: 'cannot queue the sync cycles now; retry later' },
      });
    } finally {
      await other.close();
    }
  });
});
