import http from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import { freshStores } from '../helpers/stores.js';
import { deletePrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { parseConfig, type Env } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { createQueue, createRedis, QUEUE_NAME } from '../../src/infra/queue.js';
import { createSyncQueue, SYNC_QUEUE_NAME } from '../../src/sync/sync-queue.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { LOGIN_THROTTLE_DEFAULTS } from '../../src/dashboard/login-throttle.js';
import { signWebhookBody } from '../../src/dashboard/webhook-signature.js';

// Express prints stacks in its error pages unless NODE_ENV=production, Bull Board under
// development: the dashboard must show none whatever it says.
process.env.NODE_ENV = 'development';

const USER = 'operator';
const PASSWORD = 'security test';
const basic = (password: string) => `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;
const AUTH = { authorization: basic(PASSWORD) };
const VERIFIER = 'security-test-webhook-verifier';
const EVIL = 'https://evil.example';

/** A logger whose JSON lines the test reads. */
function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', pretty: false, destination }), lines };
}

/** A request with headers fetch may not set (Host), answered status, headers and body. */
function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What no error page may hold: a stack frame, a file of the product or a dependency, a database message. */
function assertNoLeak(body: string, what: string): void {
  assert.doesNotMatch(body, /\n\s+at |node_modules|\/src\/|\.js:\d+|\.ts:\d+/, `${what}: a stack or a path`);
  assert.doesNotMatch(
    body,
    /invalid byte sequence|syntax|postgres|URIError|ECONNREFUSED/i,
    `${what}: ${body}`,
  );
}

void describe('dashboard security', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let env: Env;
  let dashboard: Dashboard;
  let webhookUrl: string;
  const log = capturingLogger();

  before(async () => {
    const stores = await freshStores('security');
    ({ tdb, prefix } = stores);
    env = {
      ...stores.env,
      QBO_ENVIRONMENT: 'emulator',
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
      QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
    };
    dashboard = await startDashboard({
      config: parseConfig(env),
      port: 0,
      host: '127.0.0.1',
      webhookPort: 0,
      logger: log.logger,
    });
    webhookUrl = dashboard.webhookUrl as string;
  });

  after(async () => {
    await dashboard?.close();
    await deletePrefix(prefix);
    await tdb?.drop();
  });

  void it('sends the security headers on every page, error pages, 401s and the webhook port included', async () => {
    const pages: [string, Record<string, string>][] = [
      ...[
        '/runs',
        '/runs/nope',
        '/runs/%ff',
        '/sync',
        '/connect',
        '/admin/queues',
        '/admin/queues/api/queues',
      ].map((p): [string, Record<string, string>] => [`${dashboard.url}${p}`, AUTH]),
      [`${dashboard.url}/metrics`, AUTH],
      [`${dashboard.url}/nowhere`, AUTH],
      [`${dashboard.url}/runs`, {}],
      [`${dashboard.url}/healthz`, {}],
      [`${webhookUrl}/healthz`, {}],
      [`${webhookUrl}/runs`, AUTH],
    ];
    for (const [url, headers] of pages) {
      const res = await fetch(url, { headers, redirect: 'manual' });
      await res.text();
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.match(csp, /script-src 'self'/, url);
      assert.doesNotMatch(csp, /googleapis|https:/, url);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', url);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', url);
      assert.equal(res.headers.get('x-powered-by'), null, url);
    }
  });

  void it('refuses cross-site POST and PUT (403), Bull Board included, and changes nothing', async () => {
    const redis = createRedis(TEST_REDIS_URL);
    const queue = createQueue(redis, prefix);
    try {
      const pause = `${dashboard.url}/admin/queues/api/queues/${QUEUE_NAME}/pause`;
      const add = `${dashboard.url}/admin/queues/api/queues/${SYNC_QUEUE_NAME}/add`;
      const attempts: [string, string, Record<string, string>][] = [
        [pause, 'PUT', { ...AUTH, origin: EVIL }],
        [pause, 'PUT', { ...AUTH, 'sec-fetch-site': 'cross-site' }],
        [pause, 'PUT', { ...AUTH, 'sec-fetch-site': 'same-site', origin: 'https://other.127.0.0.1' }],
        [pause, 'PUT', { ...AUTH, origin: 'null' }],
        // The auto-submitted text/plain form of another site.
        [
          add,
          'POST',
          { ...AUTH, origin: EVIL, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
        ],
        [`${dashboard.url}/connect/start`, 'POST', { ...AUTH, origin: EVIL }],
        [`${dashboard.url}/runs`, 'DELETE', { ...AUTH, origin: EVIL }],
      ];
      for (const [url, method, headers] of attempts) {
        const res = await fetch(url, { method, headers, body: method === 'POST' ? '{"name":"x"}' : null });
        assert.equal(res.status, 403, `${method} ${url} ${JSON.stringify(headers)}`);
        assert.match(await res.text(), /cross-site request refused/);
      }
      assert.equal(await queue.isPaused(), false);
      const sync = createSyncQueue(redis, prefix);
      assert.deepEqual(await sync.getJobCounts('waiting', 'delayed', 'prioritized'), {
        waiting: 0,
        delayed: 0,
        prioritized: 0,
      });
      await sync.close();
      assert.ok(log.lines.some((l) => l.includes('dashboard refused a cross-site request')));

      // The board's own page (same origin) and a client that is no browser still may.
      const own = await fetch(pause, { method: 'PUT', headers: { ...AUTH, origin: dashboard.url } });
      assert.equal(own.status, 200, await own.text());
      assert.equal(await queue.isPaused(), true);
      const script = await fetch(`${dashboard.url}/admin/queues/api/queues/${QUEUE_NAME}/resume`, {
        method: 'PUT',
        headers: { ...AUTH, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(script.status, 200, await script.text());
      assert.equal(await queue.isPaused(), false);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  void it('starts connecting with a POST only, and redirects to the configured address whatever Host says', async () => {
    const get = await fetch(`${dashboard.url}/connect/start`, { headers: AUTH, redirect: 'manual' });
    assert.equal(get.status, 404);
    await get.text();
    const page = await (await fetch(`${dashboard.url}/connect`, { headers: AUTH })).text();
    assert.match(page, /<form method="post" action="\/connect\/start"><button class="c2qb" type="submit">/);

    const res = await raw(`${dashboard.url}/connect/start`, 'POST', {
      ...AUTH,
      host: 'evil.example',
      origin: 'http://evil.example',
    });
    assert.equal(res.status, 303, res.body);
    const authorize = new URL(res.headers.location ?? '');
    assert.equal(authorize.searchParams.get('redirect_uri'), `${dashboard.url}/oauth/callback`);
  });

  void it('answers bad paths and failures with a plain line, no stack, path or database message', async () => {
    const cases: [string, number][] = [
      ['/runs/a%00b', 404],
      ['/runs/%ff', 400],
      ["/runs/r1'%3B%20select%201", 404],
      [`/runs/${'x'.repeat(300)}`, 404],
      ['/admin/queues/api/queues/%ff/x', 400],
      ['/nowhere', 404],
    ];
    for (const [path, status] of cases) {
      const res = await fetch(`${dashboard.url}${path}`, { headers: AUTH });
      const body = await res.text();
      assert.equal(res.status, status, `${path}: ${body}`);
      assertNoLeak(body, path);
    }
    // A database that does not answer: 500, with the details in the log only.
    const broken = capturingLogger();
    const down = await startDashboard({
      config: parseConfig({ ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' }),
      port: 0,
      host: '127.0.0.1',
      logger: broken.logger,
    });
    try {
      for (const path of ['/runs', '/runs/r1', '/sync', '/connect']) {
        const res = await fetch(`${down.url}${path}`, { headers: AUTH });
        const body = await res.text();
        assert.equal(res.status, 500, path);
        assert.equal(body, "Internal Server Error: the dashboard's log has the details\n");
      }
      assert.ok(
        broken.lines.some((l) => l.includes('dashboard request failed') && l.includes('ECONNREFUSED')),
      );
    } finally {
      await down.close();
    }
  });

  void it('serves webhooks and /healthz on the webhook port and nothing else; no webhooks on the admin port', async () => {
    const body = JSON.stringify([
      {
        specversion: '1.0',
        id: 'a1',
        source: 'intuit',
        type: 'qbo.invoice.created.v1',
        time: '2026-03-02T21:31:25.179Z',
        intuitentityid: '95',
        intuitaccountid: '9130354000000001',
        data: {},
      },
    ]);
    const signed = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'intuit-signature': signWebhookBody(body, VERIFIER) },
      body,
    };
    const taken = await fetch(`${webhookUrl}/webhooks/intuit`, signed);
    assert.equal(taken.status, 200, await taken.text());
    const health = await fetch(`${webhookUrl}/healthz`);
    assert.equal(health.status, 200);
    await health.text();
    for (const path of [
      '/',
      '/runs',
      '/sync',
      '/connect',
      '/admin/queues',
      '/admin/queues/api/queues',
      '/metrics',
    ]) {
      const res = await fetch(`${webhookUrl}${path}`, { headers: AUTH, redirect: 'manual' });
      assert.equal(res.status, 404, path);
      assert.equal(await res.text(), 'Not Found\n');
    }
    const admin = await fetch(`${dashboard.url}/webhooks/intuit`, signed);
    assert.equal(admin.status, 401, 'behind the login like any other admin path, then 404');
    await admin.text();
    const adminLoggedIn = await fetch(`${dashboard.url}/webhooks/intuit`, {
      ...signed,
      headers: { ...signed.headers, ...AUTH },
    });
    assert.equal(adminLoggedIn.status, 404);
    await adminLoggedIn.text();
  });

  void it('throttles wrong logins from one client to 429 within tens of attempts, with one log line per burst', async () => {
    const throttled = capturingLogger();
    const own = await startDashboard({
      config: parseConfig(env),
      port: 0,
      host: '127.0.0.1',
      logger: throttled.logger,
    });
    try {
      const statuses: number[] = [];
      // A browser asking for the login prompt (no credentials) is not a guess.
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${own.url}/runs`);
        statuses.push(res.status);
        await res.text();
      }
      assert.deepEqual(new Set(statuses), new Set([401]));
      statuses.length = 0;
      for (let i = 0; i < LOGIN_THROTTLE_DEFAULTS.failures + 10; i++) {
        const res = await fetch(`${own.url}/admin/queues`, {
          headers: { authorization: basic(`guess ${i}`) },
        });
        statuses.push(res.status);
        if (res.status === 429) assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
        await res.text();
      }
      assert.deepEqual(statuses, [
        ...Array<number>(LOGIN_THROTTLE_DEFAULTS.failures).fill(401),
        ...Array<number>(10).fill(429),
      ]);
      // Throttled means throttled: the right password from that client waits for the window too.
      const right = await fetch(`${own.url}/runs`, { headers: AUTH });
      assert.equal(right.status, 429);
      await right.text();
      const lines = throttled.lines.filter((l) => l.includes('dashboard login throttled'));
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0] as string, /"ip":"[^"]*127\.0\.0\.1"/);
    } finally {
      await own.close();
    }
  });
});
