/**
 * Past one machine (`npm run test:cluster`): the product on a three-node Redis Cluster
 * (`REDIS_CLUSTER_NODES`) and behind PgBouncer in transaction mode (`DATABASE_URL`, with
 * `DATABASE_DIRECT_URL` for migrations), as a team that outgrew one Redis and one pool runs it.
 * Three real worker processes, the commands in this process, the QBO emulator over HTTP with its
 * limits scaled to seconds and the workers' budget at those limits.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/config.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { DrillCluster } from '../drills/cluster.js';
import { emulatorStats } from '../helpers/backfill.js';
import { runCli, waitFor } from '../helpers/cli.js';
import { PgBouncerServer } from '../helpers/pgbouncer.js';
import { RedisClusterServer } from '../helpers/redis-cluster.js';
import { rawRows, syncOnce } from '../helpers/sync.js';

const FROM = '2026-03-01T00:00:00Z';
const TO = '2026-03-08T00:00:00Z';
/** QBO's 500 per minute and 10 in flight, scaled to 20 per 2 s and 4 in flight. */
const LIMITS = { requestsPerMinute: 20, windowMs: 2_000, maxConcurrent: 4 };
const VERIFIER = 'cluster-webhook-verifier-token';
const silent = pino({ level: 'silent' });

describe('past one machine: a Redis Cluster, PgBouncer in transaction mode', () => {
  let redis: RedisClusterServer;
  let pgbouncer: PgBouncerServer;
  let c: DrillCluster;
  let env: Record<string, string>;
  let realms: [string, string];
  let dashboard: Dashboard | undefined;

  before(async () => {
    [redis, pgbouncer] = await Promise.all([RedisClusterServer.start(3), PgBouncerServer.start()]);
    c = await DrillCluster.start({
      from: FROM,
      to: TO,
      workers: 3,
      redisCluster: redis,
      pgbouncer,
      // Latency keeps requests in flight: 3 workers x 3 slots could put 9 of a realm at QBO at
      // once, and more than the budget's pace, if the budget were not shared.
      emulator: { ...LIMITS, latencyMs: [40, 120] },
      env: {
        QBO_REQUESTS_PER_MINUTE: String(LIMITS.requestsPerMinute),
        QBO_MAX_CONCURRENT: String(LIMITS.maxConcurrent),
        DRILL_LIMITER_WINDOW_MS: String(LIMITS.windowMs),
        LOG_LEVEL: 'warn',
      },
    });
    realms = c.emulator.realmIds.slice(0, 2) as [string, string];
    env = c.workerEnv();
  });
  after(async () => {
    await dashboard?.close();
    await c?.destroy();
    await Promise.all([redis?.destroy(), pgbouncer?.destroy()]);
  });

  it('backs up two companies at once: raw = truth, no 429, each budget shared by every worker', async () => {
    const through = await pgbouncer.stats(new URL(env.DATABASE_DIRECT_URL as string).pathname.slice(1));
    const startedAt = Date.now();
    const enqueued = await runCli(
      [
        'enqueue',
        ...['--entities', c.entities.join(','), '--from', FROM, '--to', TO],
        ...['--realm', realms.join(','), '--windows', 'day', '--page-size', '2', '--json'],
      ],
      env,
    );
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const runs = enqueued.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { runId: string; jobs: number });
    assert.equal(runs.length, 2);
    for (const [i, run] of runs.entries()) {
      const figures = await c.expectComplete(run.runId, startedAt, { realmId: realms[i] });
      assert.equal(figures.apiCalls['429'] ?? 0, 0, `realm ${realms[i]}: no 429`);
    }
    const stats = await emulatorStats(c.emulator.url);
    for (const realmId of realms) {
      const realm = stats.realms[realmId];
      // More than one window's allowance: unpaced, the workers' 9 slots would have gone over it.
      assert.ok(
        (realm?.requests['200'] ?? 0) > LIMITS.requestsPerMinute,
        `the budget was pressed on: ${JSON.stringify(realm)}`,
      );
      assert.ok((realm?.maxConcurrentSeen ?? 99) <= LIMITS.maxConcurrent, 'in flight within the budget');
    }
    // Workers and commands reached PostgreSQL through PgBouncer.
    const database = new URL(env.DATABASE_DIRECT_URL as string).pathname.slice(1);
    assert.ok((await pgbouncer.stats(database)).transactions > through.transactions + 100);
    assert.deepEqual(c.lines(/CROSSSLOT|prepared statement/), []);
  });

  it('runs a sync cycle through the cluster and PgBouncer', async () => {
    const [realmId] = realms;
    const invoiceId = (await rawRows(c.db, realmId, 'invoices'))[0]?.id as string;
    const edited = c.emulator.touchRecord({ realmId, entity: 'Invoice', id: invoiceId }) as {
      SyncToken: string;
    };
    const result = await syncOnce(env, realmId);
    assert.ok((result.entities.invoices?.upserted ?? 0) >= 1, JSON.stringify(result));
    assert.equal(await syncToken(c, realmId, invoiceId), edited.SyncToken);
  });

  it("syncs the realm a signed webhook names, through the cluster's sync queue", async () => {
    const realmId = realms[1];
    dashboard = await startDashboard({
      config: parseConfig({
        ...env,
        QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
        DASHBOARD_USER: 'operator',
        DASHBOARD_PASSWORD: 'cluster-dashboard-password',
      }),
      port: 0,
      host: '127.0.0.1',
      logger: silent,
      webhookDebounceMs: 100,
    });
    c.emulator.setConfig({
      webhookUrl: `${dashboard.url}/webhooks/intuit`,
      webhookVerifierToken: VERIFIER,
      webhookIntervalMs: 3_600_000, // delivered when the test flushes
    });
    const invoiceId = (await rawRows(c.db, realmId, 'invoices'))[0]?.id as string;
    const edited = c.emulator.touchRecord({ realmId, entity: 'Invoice', id: invoiceId }) as {
      SyncToken: string;
    };
    await c.emulator.flushWebhooks();
    assert.equal(c.emulator.stats().webhooks?.batches, 1);
    await waitFor(
      async () =>
        (await c.db
          .selectFrom('ops.sync_cycles')
          .select('cycle_id')
          .where('realm_id', '=', realmId)
          .where('trigger', '=', 'webhook')
          .where('status', '=', 'succeeded')
          .executeTakeFirst()) ?? undefined,
      60_000,
      'the webhook cycle to succeed',
    );
    assert.equal(await syncToken(c, realmId, invoiceId), edited.SyncToken);
  });

  it('ends a run with raw = truth after kill -9 of a worker mid-run', async () => {
    const [realmId] = realms;
    const startedAt = Date.now();
    const runId = await c.enqueue(2, realmId);
    await c.until(async () => (await c.committedPages(runId)) >= 3, 60_000, 'the run to be under way');
    c.workers[0]?.child.kill('SIGKILL');
    const figures = await c.expectComplete(runId, startedAt, { realmId });
    assert.equal(c.workers[0]?.child.signalCode, 'SIGKILL');
    assert.ok(figures.records > 0);
  });

  it("keeps each script's keys in one slot, and spreads queues and realms over the nodes", async () => {
    const byNode = await redis.keysByNode(`*${c.prefix}*`);
    const nodesOf = (pattern: RegExp) =>
      new Set(byNode.filter((n) => n.keys.some((k) => pattern.test(k))).map((n) => n.port));
    const budget = (realmId: string) =>
      new RegExp(`^${c.prefix}:b_${c.prefix}\\.limiter\\.\\{${realmId}\\}_`);
    const tags = {
      'the window queue': new RegExp(`^\\{${c.prefix}:backfill-windows\\}:`),
      'the sync queue': new RegExp(`^\\{${c.prefix}:sync-cycles\\}:`),
      metrics: new RegExp(`^\\{${c.prefix}:metrics\\}:`),
      [`the budget of ${realms[0]}`]: budget(realms[0]),
      [`the budget of ${realms[1]}`]: budget(realms[1]),
    };
    for (const [what, pattern] of Object.entries(tags)) {
      assert.equal(nodesOf(pattern).size, 1, `${what}: every key on one node`);
    }
    // The emulator's two realms hash to slots that redis-cli puts on different nodes of three.
    assert.notDeepEqual(nodesOf(budget(realms[0])), nodesOf(budget(realms[1])));
    assert.ok(byNode.filter((n) => n.keys.length > 0).length > 1, 'keys on more than one node');
  });
});

async function syncToken(c: DrillCluster, realmId: string, id: string): Promise<string | undefined> {
  const row = await c.db
    .selectFrom('raw.qb_invoices')
    .select('payload')
    .where('realm_id', '=', realmId)
    .where('id', '=', id)
    .executeTakeFirst();
  return (row?.payload as { SyncToken?: string } | undefined)?.SyncToken;
}
