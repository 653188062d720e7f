import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { ConfigError, parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { createQueue, createRedis, windowJobId, QUEUE_NAME } from '../../src/infra/queue.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { boundPort, closeServer, listen } from '../../src/dashboard/http-server.js';
import { within } from '../helpers/within.js';
import { sample } from './metrics-text.js';

const USER = 'operator';
const PASSWORD = 'correct horse: battery staple';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const GOOD = { authorization: basic(USER, PASSWORD) };
const logger = createLogger({ level: 'silent' });

void describe('dashboard', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let dashboard: Dashboard;
  let started: TestDashboard;

  before(async () => {
    started = await startTestDashboard('dash', { user: USER, password: PASSWORD });
    ({ tdb, prefix, dashboard } = started);

    const redis = createRedis(TEST_REDIS_URL);
    const queue = createQueue(redis, prefix);
    try {
      for (const day of ['2026-01-01', '2026-01-02']) {
        await queue.add(
          'invoices',
          {
            runId: 'run-a',
            realmId: '9130354',
            entity: 'invoices',
            day,
            windowStart: `${day}T00:00:00.000Z`,
            windowEnd: `${day}T23:59:59.999Z`,
            pageSize: 100,
          },
          { jobId: windowJobId('run-a', 'invoices', day), delay: 3_600_000 },
        );
      }
    } finally {
      await queue.close();
      redis.disconnect();
    }

    const run = {
      realm_id: '9130354',
      entities: ['invoices', 'customers'],
      range_start_utc: '2026-01-01T00:00:00Z',
      range_end_utc: '2026-01-03T00:00:00Z',
      page_size: 100,
      start_at_utc: '2026-01-01T00:00:00Z',
    };
    await tdb.db
      .insertInto('ops.runs')
      .values([
        { ...run, run_id: 'run-a', dedupe_key: 'a', status: 'running' },
        { ...run, run_id: 'run-b', dedupe_key: 'b', status: 'succeeded' },
        { ...run, run_id: 'run-c', dedupe_key: 'c', status: 'succeeded' },
      ])
      .execute();
    const window = (entity: string, day: string) => ({
      run_id: 'run-a',
      entity,
      day,
      window_start_utc: `${day}T00:00:00Z`,
      window_end_utc: `${day}T00:00:00Z`,
    });
    await tdb.db
      .insertInto('ops.windows')
      .values([
        {
          ...window('invoices', '2026-01-01'),
          status: 'succeeded',
          rows_fetched: 40,
          inserted: 30,
          updated: 5,
          unchanged: 5,
          pages: 1,
          attempts: 1,
        },
        { ...window('invoices', '2026-01-02'), status: 'failed', rows_fetched: 2, inserted: 2, attempts: 3 },
        { ...window('customers', '2026-01-01'), status: 'pending' },
      ])
      .execute();
  });

  after(() => started?.close());

  void it('answers /healthz without credentials', async () => {
    const res = await fetch(`${dashboard.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', redis: 'ok', postgres: 'ok' });
  });

  for (const path of ['/admin/queues', '/admin/queues/api/queues', '/metrics', '/']) {
    void it(`refuses ${path} without or with wrong credentials`, async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: basic(USER, 'wrong') },
        { authorization: basic('nobody', PASSWORD) },
      ];
      for (const headers of attempts) {
        const res = await fetch(`${dashboard.url}${path}`, { headers, redirect: 'manual' });
        assert.equal(res.status, 401);
        assert.equal(res.headers.get('www-authenticate'), 'Basic realm="qbo-backfill", charset="UTF-8"');
        await res.text();
      }
    });
  }

  void it('serves Bull Board with the credentials', async () => {
    const res = await fetch(`${dashboard.url}/admin/queues`, { headers: GOOD });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<base href="\/admin\/queues\/"/);
  });

  void it("lists the queue and its delayed jobs in Bull Board's API", async () => {
    const res = await fetch(
      `${dashboard.url}/admin/queues/api/queues?activeQueue=${QUEUE_NAME}&status=delayed`,
      {
        headers: GOOD,
      },
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      queues: { name: string; counts: Record<string, number>; jobs: { id: string }[] }[];
    };
    const queue = body.queues.find((q) => q.name === QUEUE_NAME);
    assert.ok(queue, JSON.stringify(body.queues.map((q) => q.name)));
    assert.equal(queue.counts.delayed, 2);
    assert.deepEqual(queue.jobs.map((j) => j.id).sort(), [
      windowJobId('run-a', 'invoices', '2026-01-01'),
      windowJobId('run-a', 'invoices', '2026-01-02'),
    ]);
  });

  void it('exports queue, run, window and row gauges at /metrics', async () => {
    const res = await fetch(`${dashboard.url}/metrics`, { headers: GOOD });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.equal(sample(text, 'qbo_backfill_queue_jobs', { state: 'delayed' }), 2);
    assert.equal(sample(text, 'qbo_backfill_queue_jobs', { state: 'waiting' }), 0);
    assert.equal(sample(text, 'qbo_backfill_runs', { status: 'running' }), 1);
    assert.equal(sample(text, 'qbo_backfill_runs', { status: 'succeeded' }), 2);
    assert.equal(sample(text, 'qbo_backfill_runs', { status: 'halted' }), 0);
    assert.equal(sample(text, 'qbo_backfill_windows', { status: 'succeeded' }), 1);
    assert.equal(sample(text, 'qbo_backfill_windows', { status: 'failed' }), 1);
    assert.equal(sample(text, 'qbo_backfill_windows', { status: 'pending' }), 1);
    assert.equal(sample(text, 'qbo_backfill_rows', { entity: 'invoices', kind: 'fetched' }), 42);
    assert.equal(sample(text, 'qbo_backfill_rows', { entity: 'invoices', kind: 'inserted' }), 32);
    assert.equal(sample(text, 'qbo_backfill_rows', { entity: 'invoices', kind: 'updated' }), 5);
    assert.equal(sample(text, 'qbo_backfill_rows', { entity: 'customers', kind: 'fetched' }), 0);
    assert.equal(sample(text, 'qbo_backfill_window_attempts', { entity: 'invoices' }), 4);
    assert.equal(sample(text, 'qbo_backfill_source_up', { source: 'postgres' }), 1);
    assert.equal(sample(text, 'qbo_backfill_source_up', { source: 'redis' }), 1);
    // Default process metrics come from the dashboard's own registry.
    assert.notEqual(sample(text, 'process_cpu_user_seconds_total'), undefined);
  });

  void it('refuses to start without a login unless insecureNoAuth', async () => {
    const config = parseConfig({ DATABASE_URL: tdb.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix });
    await assert.rejects(startDashboard({ config, port: 0, host: '127.0.0.1', logger }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, 'DASHBOARD_USER');
      return true;
    });
    const open = await startDashboard({ config, port: 0, host: '127.0.0.1', insecureNoAuth: true, logger });
    try {
      const res = await fetch(`${open.url}/metrics`);
      assert.equal(res.status, 200);
      await res.text();
    } finally {
      await open.close();
      await open.close();
    }
  });

  void it('keeps serving metrics and reports the failed backend when PostgreSQL is down', async () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
    });
    const broken = await startDashboard({ config, port: 0, host: '127.0.0.1', logger });
    try {
      const health = await fetch(`${broken.url}/healthz`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { status: 'error', redis: 'ok', postgres: 'error' });

      const res = await fetch(`${broken.url}/metrics`, { headers: GOOD });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.equal(sample(text, 'qbo_backfill_queue_jobs', { state: 'delayed' }), 2);
      assert.equal(sample(text, 'qbo_backfill_source_up', { source: 'postgres' }), 0);
      assert.equal(sample(text, 'qbo_backfill_runs', { status: 'running' }), undefined);
    } finally {
      await broken.close();
    }
  });

  void it('closes without waiting on an idle keep-alive connection, and cuts a request in flight after the grace', async () => {
    // No keep-alive timeout and an hour of grace: only closing idle connections at once lets
    // close() finish while the client keeps its connection open.
    const idleServer = await listen((_req, res) => res.end('ok'), 0, '127.0.0.1');
    idleServer.keepAliveTimeout = 0;
    const agent = new http.Agent({ keepAlive: true });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: boundPort(idleServer), path: '/', agent }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      assert.equal(body, 'ok');
      assert.equal(Object.keys(agent.freeSockets).length, 1, 'the connection is idle, kept alive');
      await within(closeServer(idleServer, 3_600_000), 30_000, 'close with an idle keep-alive connection');
    } finally {
      agent.destroy();
    }

    // A request that is never answered holds close() until the grace is over, then is cut.
    let reached: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (reached = resolve));
    const stuckServer = await listen(() => reached(), 0, '127.0.0.1');
    const stuck = new Promise<string>((resolve) => {
      http
        .get({ host: '127.0.0.1', port: boundPort(stuckServer), path: '/', agent: false }, () =>
          resolve('answered'),
        )
        .on('error', () => resolve('cut'));
    });
    await within(handling, 10_000, 'the request to reach its handler');
    await within(closeServer(stuckServer, 50), 30_000, 'close with a request that is never answered');
    assert.equal(await stuck, 'cut');
  });
});
