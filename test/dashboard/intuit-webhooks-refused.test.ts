import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { Registry } from 'prom-client';
import { freePort } from '../helpers/free-port.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { parseConfig } from '../../src/config/config.js';
import { createSyncQueue } from '../../src/sync/sync-queue.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { boundPort, closeServer, listen } from '../../src/dashboard/http-server.js';
import { intuitWebhookRouter } from '../../src/dashboard/intuit-webhooks.js';
import { createRedis } from '../../src/infra/queue.js';
import { signWebhookBody } from '../../src/dashboard/webhook-signature.js';
import * as webhook from './webhook-fixture.js';

const { logger } = webhook;

/** What the webhook route refuses, and how it stands when its configuration or Redis fails. */
void describe('POST /webhooks/intuit: refusals and failures', () => {
  const w = webhook.useWebhookDashboard();
  const { jobs, metric } = w;

  void it('answers 401 to a missing or wrong signature and enqueues nothing', async () => {
    const body = JSON.stringify([webhook.cloudEvent(webhook.REALM_A)]);
    const before = await metric('bad_signature');
    const cases: [string | null, string][] = [
      [null, 'missing intuit-signature header'],
      ['', 'missing intuit-signature header'],
      [signWebhookBody(body, 'another-apps-verifier-token'), 'intuit-signature does not match the body'],
      [signWebhookBody(`${body} `, webhook.VERIFIER), 'intuit-signature does not match the body'],
      ['c2hvcnQ=', 'intuit-signature does not match the body'],
    ];
    for (const [signature, error] of cases) {
      assert.deepEqual(await webhook.post(w.dashboard.url, body, { signature }), {
        status: 401,
        body: { error },
      });
    }
    assert.deepEqual(await jobs(), []);
    assert.equal(await metric('bad_signature'), (before ?? NaN) + cases.length);
  });

  void it('answers 400 with one line to a body Intuit does not send, and enqueues nothing', async () => {
    const event = webhook.cloudEvent(webhook.REALM_A);
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
      assert.deepEqual(await webhook.post(w.dashboard.url, body), { status: 400, body: { error } }, body);
    }
    assert.deepEqual(await jobs(), []);
    assert.equal(await metric('malformed'), (before ?? NaN) + cases.length);
  });

  void it('answers 413 to a body over 1 MiB', async () => {
    const body = JSON.stringify([
      { ...webhook.cloudEvent(webhook.REALM_A), data: { pad: 'x'.repeat(1_048_576) } },
    ]);
    assert.deepEqual(await webhook.post(w.dashboard.url, body), {
      status: 413,
      body: { error: 'body over 1048576 bytes' },
    });
    assert.deepEqual(await jobs(), []);
  });

  void it('keeps the login on every other route', async () => {
    assert.equal((await fetch(`${w.dashboard.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${w.dashboard.url}/webhooks/intuit`)).status, 401);
  });

  void it('answers 404 without a verifier token configured, as to any route it does not serve', async () => {
    const { QBO_WEBHOOK_VERIFIER_TOKEN: _, ...withoutToken } = w.env;
    const other = await startDashboard({
      config: parseConfig(withoutToken),
      port: 0,
      host: '127.0.0.1',
      logger,
    });
    try {
      const r = await webhook.post(other.url, JSON.stringify([webhook.cloudEvent(webhook.REALM_A)]));
      assert.deepEqual(r, { status: 404, body: 'Not Found\n' });
      assert.deepEqual(await jobs(), []);
    } finally {
      await other.close();
    }
  });

  void it('reads the verifier token from QBO_WEBHOOK_VERIFIER_TOKEN_FILE (its trailing newline ignored)', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'qbo-webhook-')), 'verifier');
    writeFileSync(file, 'token-from-a-secret-file\n');
    const { QBO_WEBHOOK_VERIFIER_TOKEN: _, ...rest } = w.env;
    const config = parseConfig({ ...rest, QBO_WEBHOOK_VERIFIER_TOKEN_FILE: file });
    const other = await startDashboard({ config, port: 0, host: '127.0.0.1', logger });
    try {
      const body = JSON.stringify([webhook.cloudEvent(webhook.REALM_B)]);
      const r = await webhook.post(other.url, body, { token: 'token-from-a-secret-file' });
      assert.deepEqual(r.body, { accepted: 1, duplicates: 0, realms: [webhook.REALM_B], unknownRealms: [] });
      assert.equal((await webhook.post(other.url, body, { token: webhook.VERIFIER })).status, 401);
    } finally {
      await other.close();
    }
  });

  void it('marks events seen only once their cycle is queued: a failed enqueue loses nothing', async () => {
    // The route alone, over a queue whose first add fails as on a Redis blip (Redis itself is up).
    const flaky = createSyncQueue({ url: TEST_REDIS_URL }, w.prefix);
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
        verifierToken: webhook.VERIFIER,
        config: parseConfig(w.env),
        redis,
        db: w.tdb.db,
        queue: flaky,
        registry: new Registry(),
        log: webhook.logger,
        debounceMs: webhook.DEBOUNCE_MS,
      }),
    );
    const server = await listen(app, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${boundPort(server)}`;
    try {
      const body = JSON.stringify([webhook.cloudEvent(webhook.REALM_A)]);
      assert.equal((await webhook.post(url, body)).status, 503);
      assert.deepEqual(await jobs(), []);
      // Intuit's retry of the same delivery is not taken for a duplicate: it makes the cycle.
      assert.deepEqual(await webhook.post(url, body), {
        status: 200,
        body: { accepted: 1, duplicates: 0, realms: [webhook.REALM_A], unknownRealms: [] },
      });
      assert.deepEqual(await jobs(), [
        { realmId: webhook.REALM_A, trigger: 'webhook', delay: webhook.DEBOUNCE_MS },
      ]);
    } finally {
      await closeServer(server, 1_000);
      await flaky.close();
      redis.disconnect();
    }
  });

  void it('answers 503 when Redis is unreachable, so that Intuit retries', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const config = parseConfig({ ...w.env, REDIS_URL: deadRedis });
    const other = await startDashboard({ config, port: 0, host: '127.0.0.1', logger });
    try {
      const r = await webhook.post(other.url, JSON.stringify([webhook.cloudEvent(webhook.REALM_A)]));
      assert.deepEqual(r, {
        status: 503,
        body: { error: 'cannot queue the sync cycles now; retry later' },
      });
    } finally {
      await other.close();
    }
  });
});
