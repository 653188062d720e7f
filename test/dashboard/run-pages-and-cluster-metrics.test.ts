import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestDatabase } from '../helpers/db.js';
import { startTestDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { createRedis } from '../../src/infra/queue.js';
import {
  QBO_REQUEST_DURATION,
  QBO_REQUESTS,
  redisMetrics,
  TOKEN_REFRESHES,
  WINDOW_DURATION,
} from '../../src/infra/cluster-metrics.js';
import type { Dashboard } from '../../src/dashboard/index.js';
import { runHtml } from '../../src/dashboard/run-pages.js';
import type { RunRow } from '../../src/backfill/runs/run-list.js';
import type { WindowReport } from '../../src/backfill/runs/report.js';
import { sample } from './metrics-text.js';

const USER = 'operator';
const PASSWORD = 'run pages';
const GOOD = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };

void describe('run pages and cluster-wide metrics', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let dashboard: Dashboard;
  let started: TestDashboard;

  before(async () => {
    started = await startTestDashboard('runs', { user: USER, password: PASSWORD });
    ({ tdb, prefix, dashboard } = started);
    const run = {
      realm_id: '4620816365',
      entities: ['invoices', 'customers'],
      range_start_utc: '2026-01-30T00:00:00Z',
      range_end_utc: '2026-02-02T00:00:00Z',
      page_size: 1000,
      start_at_utc: '2026-01-01T00:00:00Z',
    };
    await tdb.db
      .insertInto('ops.runs')
      .values([
        { ...run, run_id: 'r-done', dedupe_key: 'a', status: 'failed', status_reason: null },
        { ...run, run_id: 'r-<script>', dedupe_key: 'b', status: 'running' },
      ])
      .execute();
    const windows = ['2026-01-30', '2026-01-31', '2026-02-01'].flatMap((day, i) =>
      ['invoices', 'customers'].map((entity) => ({
        run_id: 'r-done',
        entity,
        day,
        window_start_utc: `${day}T00:00:00Z`,
        window_end_utc: `${day}T00:00:00Z`,
        status: entity === 'customers' && i === 1 ? ('failed' as const) : ('succeeded' as const),
        rows_fetched: 10 + i,
        inserted: 10 + i,
        pages: 1,
        requests: 1,
        attempts: 1,
        error: entity === 'customers' && i === 1 ? 'QBO answered 400: bad query' : null,
      })),
    );
    await tdb.db.insertInto('ops.windows').values(windows).execute();
  });

  after(() => started?.close());

  void it('refuses the run pages without the login', async () => {
    for (const path of ['/runs', '/runs/r-done']) {
      const res = await fetch(`${dashboard.url}${path}`);
      assert.equal(res.status, 401, path);
      await res.text();
    }
  });

  void it('lists runs with their progress, escaping what it shows', async () => {
    const res = await fetch(`${dashboard.url}/runs`, { headers: GOOD });
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /href="\/runs\/r-done"/);
    assert.match(html, /6 of 6/);
    assert.match(html, /r-&#60;script&#62;/);
    assert.doesNotMatch(html, /r-<script>/);
    // A live run keeps its list refreshing.
    assert.match(html, /http-equiv="refresh"/);
  });

  void it('shows one run as a grid of entity by day with counts and the retry command', async () => {
    const res = await fetch(`${dashboard.url}/runs/r-done`, { headers: GOOD });
    assert.equal(res.status, 200);
    const html = await res.text();
    // Two entities, one month row each for January and February.
    assert.equal((html.match(/<table class="grid">/g) ?? []).length, 2);
    assert.equal((html.match(/<th>2026-01<\/th>/g) ?? []).length, 2);
    assert.equal((html.match(/<th>2026-02<\/th>/g) ?? []).length, 2);
    assert.equal((html.match(/<td class="l\d"/g) ?? []).length, 5);
    assert.equal((html.match(/<td style="background:#d23f3f"/g) ?? []).length, 1);
    assert.match(html, /customers 2026-01-31: failed/);
    assert.match(html, /qbo-backfill retry --run r-done --entity customers --day 2026-01-31/);
    // A day plan: its six windows, their rows and the requests they took.
    assert.match(html, /6 of 6;\s+66 rows fetched in 6 QBO requests\./);
    assert.doesNotMatch(html, /http-equiv="refresh"/);
    const missing = await fetch(`${dashboard.url}/runs/nope`, { headers: GOOD });
    assert.equal(missing.status, 404);
    await missing.text();
  });

  void it("shades succeeded days by their rows, against the entity's busiest day", () => {
    const day = (d: number, rows: number, status = 'succeeded'): WindowReport => ({
      entity: 'invoices',
      day: `2026-03-0${d}`,
      status,
      pages: 1,
      rowsFetched: rows,
      inserted: rows,
      updated: 0,
      unchanged: 0,
      sourceCount: rows,
      durationMs: 10,
      attempts: 1,
      error: null,
    });
    const at = new Date('2026-03-06T00:00:00Z');
    const run: RunRow = {
      runId: 'r-shades',
      realmId: '1',
      entities: ['invoices'],
      rangeStart: new Date('2026-03-01T00:00:00Z'),
      rangeEnd: new Date('2026-03-06T00:00:00Z'),
      startAt: at,
      status: 'running',
      statusReason: null,
      createdAt: at,
      finishedAt: null,
      windows: { succeeded: 4, failed: 1 },
      totalWindows: 5,
      rowsFetched: 21,
      windowsPlan: 'day',
      requests: 5,
    };
    const html = runHtml(
      run,
      [day(1, 0), day(2, 3), day(3, 6), day(4, 12), day(5, 40, 'failed')],
      'UTC',
      false,
      at,
    );
    assert.deepEqual(
      [...html.matchAll(/<td class="(l\d)" title="invoices (\S+):/g)].map((m) => `${m[2]} ${m[1]}`),
      ['2026-03-01 l0', '2026-03-02 l1', '2026-03-03 l2', '2026-03-04 l4'],
    );
    // A failed day keeps its colour whatever its rows; the busiest day counts succeeded ones only.
    assert.match(html, /<td style="background:#d23f3f" title="invoices 2026-03-05: failed/);
    assert.match(html, /5 days: succeeded 4, failed 1; 61 rows, busiest day 12 rows/);
    assert.match(html, /5 entity-days read in 5 windows/);
    assert.match(html, /in 5 QBO requests so far\./);
    // A run with reports lists them, a failed check in red with what differs.
    const withReports = runHtml(run, [day(1, 0)], 'UTC', false, at, [
      {
        report: 'ProfitAndLoss',
        accountingMethod: 'Accrual',
        periodStart: '2026-03-01',
        periodEnd: '2026-03-31',
        rows: 43,
        checks: 'ok',
      },
      {
        report: 'BalanceSheet',
        accountingMethod: 'Accrual',
        periodStart: '2026-03-31',
        periodEnd: '2026-03-31',
        rows: 54,
        checks: 'TotalAssets = TotalLiabilitiesAndEquity: 10.00 vs 9.99',
      },
    ]);
    assert.match(withReports, /2 reports stored; <b>1 with checks failed or not stored<\/b>/);
    assert.match(
      withReports,
      /<td style="color:#b00020">TotalAssets = TotalLiabilitiesAndEquity: 10.00 vs 9.99<\/td>/,
    );
  });

  void it('sums counters and histograms over several worker processes at /metrics', async () => {
    // Two recorders with their own connections stand for two worker processes.
    const redisA = createRedis(TEST_REDIS_URL);
    const redisB = createRedis(TEST_REDIS_URL);
    const a = redisMetrics(redisA, { prefix, flushIntervalMs: 60_000 });
    const b = redisMetrics(redisB, { prefix, flushIntervalMs: 60_000 });
    const labels = labels200();
    try {
      a.inc(QBO_REQUESTS, labels, 3);
      b.inc(QBO_REQUESTS, labels, 4);
      b.inc(QBO_REQUESTS, { ...labels, status: '429' });
      a.inc(TOKEN_REFRESHES, { realm: '4620816365', outcome: 'ok' });
      a.observe(QBO_REQUEST_DURATION, {}, 0.07);
      b.observe(QBO_REQUEST_DURATION, {}, 0.3);
      b.observe(QBO_REQUEST_DURATION, {}, 500);
      a.observe(WINDOW_DURATION, { status: 'succeeded' }, 2);
      await Promise.all([a.close(), b.close(), a.close()]);
    } finally {
      redisA.disconnect();
      redisB.disconnect();
    }
    const res = await fetch(`${dashboard.url}/metrics`, { headers: GOOD });
    const text = await res.text();
    assert.equal(sample(text, 'qbo_backfill_qbo_requests_total', labels200()), 7);
    assert.equal(sample(text, 'qbo_backfill_qbo_requests_total', { status: '429' }), 1);
    assert.equal(sample(text, 'qbo_backfill_token_refreshes_total', { outcome: 'ok' }), 1);
    const bucket = (le: string) => sample(text, 'qbo_backfill_qbo_request_duration_seconds_bucket', { le });
    assert.equal(bucket('0.05'), 0);
    assert.equal(bucket('0.1'), 1);
    assert.equal(bucket('0.5'), 2);
    assert.equal(bucket('120'), 2);
    assert.equal(bucket('+Inf'), 3);
    assert.equal(sample(text, 'qbo_backfill_qbo_request_duration_seconds_count'), 3);
    assert.ok(Math.abs((sample(text, 'qbo_backfill_qbo_request_duration_seconds_sum') ?? 0) - 500.37) < 1e-9);
    assert.equal(sample(text, 'qbo_backfill_window_duration_seconds_count', { status: 'succeeded' }), 1);
    assert.match(text, /# TYPE qbo_backfill_rate_limit_wait_seconds histogram/);
  });
});

function labels200() {
  return { realm: '4620816365', entity: 'invoices', status: '200' };
}
