import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { createRedis } from '../../src/infra/queue.js';
import { redisMetrics, SYNC_CHANGES } from '../../src/infra/cluster-metrics.js';
import { sample } from '../dashboard/metrics-text.js';
import { runCli } from '../helpers/cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshStores } from '../helpers/stores.js';
import { deletePrefix, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * What operators see of sync (`status`, the lag gauge at /metrics, the /sync page), from ops.sync_*
 * rows seeded directly, against an injected clock: every lag below is exact.
 */
const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const logger = createLogger({ level: 'silent' });
const USER = 'operator';
const PASSWORD = 'sync page';
const LOGIN = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };

/** Scheduled, its latest cycle failed after re-reading time activities whole. */
const SCHEDULED = '4620816365';
/** No schedule (`sync --off`), a webhook cycle running, and a mark 40 days old. */
const UNSCHEDULED = '9130000000';
/** A realm with a run and no sync rows: nothing of sync shows for it. */
const BACKFILL_ONLY = '5550000000';

async function seed(tdb: TestDatabase): Promise<void> {
  await tdb.db
    .insertInto('ops.sync_realms')
    .values([
      { realm_id: SCHEDULED, every_ms: 15 * M, reread_every_ms: 6 * H, entities: null },
      { realm_id: UNSCHEDULED, every_ms: null, reread_every_ms: null, entities: null },
    ])
    .execute();
  await tdb.db
    .insertInto('ops.sync_marks')
    .values([
      // One CDC request moved these five to the same mark: one row of status.
      ...['invoices', 'bills', 'payments', 'items', 'vendors'].map((entity) => ({
        realm_id: SCHEDULED,
        entity,
        mark_utc: ago(3 * M + 12 * S),
        basis: 'cdc' as const,
      })),
      { realm_id: SCHEDULED, entity: 'customers', mark_utc: ago(45 * S), basis: 'cdc' },
      {
        realm_id: SCHEDULED,
        entity: 'time_activities',
        mark_utc: ago(5 * H + 2 * M),
        basis: 'reread',
        reread_at: ago(5 * H + M),
      },
      { realm_id: UNSCHEDULED, entity: 'bills', mark_utc: ago(40 * 24 * H), basis: 'backfill' },
    ])
    .execute();
  await tdb.db
    .insertInto('ops.sync_cycles')
    .values([
      {
        cycle_id: 'c-1',
        realm_id: SCHEDULED,
        trigger: 'schedule',
        status: 'succeeded',
        requests: 1,
        started_at: ago(18 * M),
        finished_at: ago(18 * M - 2 * S),
      },
      {
        cycle_id: 'c-2',
        realm_id: SCHEDULED,
        trigger: 'schedule',
        status: 'failed',
        requests: 4,
        error: 'QBO answered 500 <boom>',
        started_at: ago(3 * M),
        finished_at: ago(3 * M - 5 * S),
      },
      {
        cycle_id: 'c-3',
        realm_id: UNSCHEDULED,
        trigger: 'webhook',
        status: 'running',
        requests: 2,
        started_at: ago(10 * S),
      },
      {
        cycle_id: 'c-4<script>',
        realm_id: UNSCHEDULED,
        trigger: 'schedule',
        status: 'skipped',
        error: 'cycle c-3 was running',
        started_at: ago(20 * S),
        finished_at: ago(20 * S),
      },
    ])
    .execute();
  await tdb.db
    .insertInto('ops.sync_cycle_entities')
    .values([
      { cycle_id: 'c-1', entity: 'invoices', method: 'cdc', upserted: 7, deleted: 0, requests: 0 },
      { cycle_id: 'c-2', entity: 'invoices', method: 'cdc', upserted: 3, deleted: 1, requests: 0 },
      { cycle_id: 'c-2', entity: 'customers', method: 'cdc', upserted: 0, deleted: 0, requests: 0 },
      { cycle_id: 'c-2', entity: 'time_activities', method: 'reread', upserted: 0, deleted: 2, requests: 3 },
    ])
    .execute();
  const run = {
    entities: ['invoices'],
    range_start_utc: '2026-01-01T00:00:00Z',
    range_end_utc: '2026-01-02T00:00:00Z',
    page_size: 1000,
    start_at_utc: '2026-01-01T00:00:00Z',
    status: 'succeeded' as const,
  };
  await tdb.db
    .insertInto('ops.runs')
    .values([
      { ...run, run_id: 'r-synced', dedupe_key: 'a', realm_id: SCHEDULED },
      { ...run, run_id: 'r-plain', dedupe_key: 'b', realm_id: BACKFILL_ONLY },
    ])
    .execute();
}

const SCHEDULED_TEXT = [
  `sync of realm ${SCHEDULED}: schedule every 15m (whole re-reads every 6h; every entity it has data for)`,
  '  last cycle c-2 (schedule): failed, started 2026-03-01T11:57:00Z, finished 2026-03-01T11:57:05Z, 4 QBO requests, 3 upserted, 3 deleted, re-read whole: time_activities',
  '    error: QBO answered 500 <boom>',
  '  entity                             lag     mark                  moved by',
  '  ---------------------------------  ------  --------------------  --------',
  '  time_activities                    5h 2m   2026-03-01T06:58:00Z  reread',
  '  bills, invoices, items and 2 more  3m 12s  2026-03-01T11:56:48Z  cdc',
  '  customers                          45s     2026-03-01T11:59:15Z  cdc',
].join('\n');

const UNSCHEDULED_TEXT = [
  `sync of realm ${UNSCHEDULED}: schedule none`,
  '  last cycle c-3 (webhook): running, started 2026-03-01T11:59:50Z, 2 QBO requests so far, 0 upserted, 0 deleted',
  '  entity  lag     mark                  moved by',
  '  ------  ------  --------------------  --------',
  '  bills   40d 0h  2026-01-20T12:00:00Z  backfill',
].join('\n');

void describe('sync as operators see it', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let env: Record<string, string>;
  let dashboard: Dashboard;
  const get = async (path: string, headers: Record<string, string> = LOGIN) => {
    const res = await fetch(`${dashboard.url}${path}`, { headers });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    const stores = await freshStores('sync-ops');
    ({ tdb, prefix } = stores);
    env = {
      ...stores.env,
      QBO_ENVIRONMENT: 'emulator',
    };
    await seed(tdb);
    const config = parseConfig({ ...env, DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD });
    dashboard = await startDashboard({ config, port: 0, host: '127.0.0.1', logger, now: () => NOW });
  });
  after(async () => {
    await dashboard?.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  void it('status shows each synced realm: schedule, last cycle, lag per entity (largest first)', async () => {
    const r = await runCli(['status'], env, { now: () => NOW });
    assert.equal(r.code, 0, r.stderr);
    const parts = r.stdout.trimEnd().split('\n\n');
    const sync = parts.filter((p) => p.startsWith('sync of realm'));
    assert.deepEqual(sync, [SCHEDULED_TEXT, UNSCHEDULED_TEXT]);
    // After the runs, before the monthly reads; nothing for the realm sync never touched.
    assert.match(parts[parts.length - 1] ?? '', /^QBO reads in /);
    assert.equal(parts.indexOf(SCHEDULED_TEXT), parts.length - 3);
    assert.doesNotMatch(r.stdout, new RegExp(`sync of realm ${BACKFILL_ONLY}`));
  });

  void it('status --run shows the sync of that run’s realm only, and nothing for a realm never synced', async () => {
    const synced = await runCli(['status', '--run', 'r-synced'], env, { now: () => NOW });
    assert.equal(synced.code, 0, synced.stderr);
    assert.deepEqual(
      synced.stdout.split('\n\n').filter((p) => p.startsWith('sync of')),
      [SCHEDULED_TEXT],
    );
    const plain = await runCli(['status', '--run', 'r-plain'], env, { now: () => NOW });
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /sync/);
  });

  void it('status --json: one run carries its realm’s sync (null when none); the list stays an array', async () => {
    const one = await runCli(['status', '--run', 'r-synced', '--json'], env, { now: () => NOW });
    assert.equal(one.code, 0, one.stderr);
    const parsed = JSON.parse(one.stdout) as { runId: string; sync: unknown };
    assert.equal(parsed.runId, 'r-synced');
    assert.deepEqual(parsed.sync, {
      realmId: SCHEDULED,
      schedule: { everyMs: 15 * M, rereadEveryMs: 6 * H, entities: null },
      lastCycle: {
        cycleId: 'c-2',
        trigger: 'schedule',
        status: 'failed',
        startedAt: '2026-03-01T11:57:00Z',
        finishedAt: '2026-03-01T11:57:05Z',
        requests: 4,
        upserted: 3,
        deleted: 3,
        rereads: ['time_activities'],
        error: 'QBO answered 500 <boom>',
      },
      lags: [
        { entity: 'time_activities', mark: '2026-03-01T06:58:00Z', basis: 'reread', lagSeconds: 18_120 },
        ...['bills', 'invoices', 'items', 'payments', 'vendors'].map((entity) => ({
          entity,
          mark: '2026-03-01T11:56:48Z',
          basis: 'cdc',
          lagSeconds: 192,
        })),
        { entity: 'customers', mark: '2026-03-01T11:59:15Z', basis: 'cdc', lagSeconds: 45 },
      ],
    });
    const plain = await runCli(['status', '--run', 'r-plain', '--json'], env, { now: () => NOW });
    assert.equal((JSON.parse(plain.stdout) as { sync: unknown }).sync, null);
    const list = await runCli(['status', '--json'], env, { now: () => NOW });
    const runs = JSON.parse(list.stdout) as { runId: string }[];
    assert.deepEqual(runs.map((r) => r.runId).sort(), ['r-plain', 'r-synced']);
  });

  void it('exports the lag of every realm and entity at /metrics, and the deletions by entity', async () => {
    // A worker process's recorder: the cycle counters reach /metrics through Redis.
    const redis = createRedis(TEST_REDIS_URL);
    const worker = redisMetrics(redis, { prefix, flushIntervalMs: 60_000 });
    try {
      worker.inc(SYNC_CHANGES, { entity: 'invoices', change: 'deleted' }, 2);
      worker.inc(SYNC_CHANGES, { entity: 'invoices', change: 'upserted' }, 5);
      // A cycle that synced customers and deleted none: the series exists, at 0.
      worker.inc(SYNC_CHANGES, { entity: 'customers', change: 'deleted' }, 0);
      await worker.close();
    } finally {
      redis.disconnect();
    }
    const { status, text } = await get('/metrics');
    assert.equal(status, 200);
    const lag = (realm: string, entity: string) =>
      sample(text, 'qbo_backfill_sync_lag_seconds', { realm, entity });
    assert.equal(lag(SCHEDULED, 'invoices'), 192);
    assert.equal(lag(SCHEDULED, 'customers'), 45);
    assert.equal(lag(SCHEDULED, 'time_activities'), 18_120);
    assert.equal(lag(UNSCHEDULED, 'bills'), 40 * 86_400);
    assert.equal(lag(BACKFILL_ONLY, 'invoices'), undefined);
    assert.equal(lag(SCHEDULED, 'vendors'), 192);
    assert.equal((text.match(/^qbo_backfill_sync_lag_seconds\{/gm) ?? []).length, 8);
    assert.match(text, /# TYPE qbo_backfill_sync_lag_seconds gauge/);
    const changes = (change: string) =>
      sample(text, 'qbo_backfill_sync_changes_total', { entity: 'invoices', change });
    assert.deepEqual([changes('deleted'), changes('upserted')], [2, 5]);
    assert.equal(
      sample(text, 'qbo_backfill_sync_changes_total', { entity: 'customers', change: 'deleted' }),
      0,
    );
  });

  void it('refuses /sync without the login', async () => {
    assert.equal((await get('/sync', {})).status, 401);
  });

  void it('/sync shows each realm with its lags and the recent cycles, escaping what it shows', async () => {
    const { status, text } = await get('/sync');
    assert.equal(status, 200);
    assert.match(
      text,
      /<h2>Realm 4620816365 <span class="muted">schedule every 15m \(whole re-reads every 6h;/,
    );
    assert.match(text, /<h2>Realm 9130000000 <span class="muted">schedule none<\/span><\/h2>/);
    assert.doesNotMatch(text, /Realm 5550000000/);
    // Lags, largest first within the realm.
    const realms = text.slice(0, text.indexOf('Recent cycles'));
    const lags = [...realms.matchAll(/<tr><td>(\w+)<\/td><td>([^<]+)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(lags, [
      'time_activities 5h 2m',
      ...['bills', 'invoices', 'items', 'payments', 'vendors'].map((e) => `${e} 3m 12s`),
      'customers 45s',
      'bills 40d 0h',
    ]);
    // Every cycle, newest first, with its counts summed over its entities.
    const cycles = text.slice(text.indexOf('Recent cycles'));
    const ids = [...cycles.matchAll(/<tr><td>\d+<\/td><td>([^<]+)<\/td>/g)].map((m) => m[1]);
    assert.deepEqual(ids, ['c-3', 'c-4&#60;script&#62;', 'c-2', 'c-1']);
    assert.match(
      cycles,
      /<td>c-2<\/td><td>schedule<\/td>\n<td><span class="badge" style="background:#d23f3f">failed<\/span><\/td>\n<td>2026-03-01T11:57:00Z<br><span class="muted">2026-03-01 06:57 America\/Guayaquil<\/span><\/td>\n<td>5s<\/td><td>4<\/td><td>3<br><span class="muted">re-read whole: time_activities<\/span><\/td>\n<td>3<\/td><td>QBO answered 500 &#60;boom&#62;<\/td>/,
    );
    assert.match(cycles, /<td>c-3<\/td><td>webhook<\/td>[\s\S]*?<td>running<\/td><td>2<\/td>/);
    assert.doesNotMatch(text, /<script>|<boom>/);
    // A running cycle keeps the page refreshing.
    assert.match(text, /http-equiv="refresh"/);
    const runs = await get('/runs');
    assert.match(runs.text, /<a href="\/sync">Sync<\/a>/);
  });
});
