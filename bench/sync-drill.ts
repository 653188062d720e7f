/**
 * The sync drill (`npm run bench -- sync-drill`): a backfilled company kept current for
 * SYNC_DRILL_MINUTES (default 10) by `sync --every 1m`, against a live emulator that creates,
 * edits and deletes records (activityPerMinute) and POSTs Intuit's signed webhooks to the
 * dashboard, aggregated over a minute as production does. Two worker processes, QBO's own limits,
 * 50-150 ms latency. Then the activity stops, one last `sync --once` runs, and raw must equal the
 * emulator's truth, deletions included. It prints the QBO requests sync spent per realm-hour
 * beside the changes it carried, and asserts no time.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../src/config/config.js';
import { ENTITIES } from '../src/model/entities.js';
import { startDashboard } from '../src/dashboard/index.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { emulatorConfig, emulatorEnv, waitForRunEnd } from '../test/helpers/backfill.js';
import { runCli } from '../test/helpers/cli.js';
import { liveIds, rawRows, truthIds } from '../test/helpers/sync.js';
import { machineLine, silent, type BenchResult } from './lib.js';
import { spawnWorkerProcess } from './product-processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const VERIFIER = 'drill-webhook-verifier-token';

export async function benchSyncDrill(): Promise<BenchResult> {
  const minutes = Number(process.env.SYNC_DRILL_MINUTES ?? 10);
  const activity = Number(process.env.SYNC_DRILL_ACTIVITY ?? 20);
  const emulator = await startEmulator({ port: 0, seed: 20261202, config: { latencyMs: [50, 150] } });
  const realmId = emulator.realmIds[0] as string;
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench-sync');
  const env = {
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
    LOG_LEVEL: 'warn',
    QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
  };
  const dashboard = await startDashboard({
    config: parseConfig(env),
    port: 0,
    host: '127.0.0.1',
    insecureNoAuth: true,
    logger: silent,
  });
  const workers = [await spawnWorkerProcess(env, 4), await spawnWorkerProcess(env, 4)];
  const requests = () =>
    Object.values(emulator.stats().realms[realmId]?.requests ?? {}).reduce((a, b) => a + b, 0);
  const cli = async (args: string[]) => {
    const r = await runCli(args, env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    const to = new Date().toISOString().slice(0, 10);
    const enqueued = JSON.parse(
      await cli(['enqueue', '--entities', 'all', '--from', '2024-01-01', '--to', to, '--json']),
    ) as { runId: string };
    assert.equal(await waitForRunEnd(tdb.db, enqueued.runId, 600_000), 'succeeded');
    const backfillRequests = requests();

    await emulatorConfig(emulator.url, {
      activityPerMinute: activity,
      webhookUrl: `${dashboard.url}/webhooks/intuit`,
      webhookVerifierToken: VERIFIER,
      webhookIntervalMs: 60_000,
    });
    const t0 = performance.now();
    await cli(['sync', '--realm', realmId, '--every', '1m', '--reread-every', '5m']);
    await sleep(minutes * 60_000);
    const syncMs = performance.now() - t0;
    await emulatorConfig(emulator.url, { activityPerMinute: 0 });
    await cli(['sync', '--realm', realmId, '--off']);
    const syncRequests = requests() - backfillRequests;
    const cycles = await sql<{ trigger: string; status: string; n: number; requests: number }>`
      SELECT trigger, status, count(*)::int AS n, sum(requests)::int AS requests
      FROM ops.sync_cycles GROUP BY trigger, status ORDER BY trigger, status`.execute(tdb.db);
    const changes = await sql<{ upserted: number; deleted: number }>`
      SELECT coalesce(sum(upserted), 0)::int AS upserted, coalesce(sum(deleted), 0)::int AS deleted
      FROM ops.sync_cycle_entities`.execute(tdb.db);
    // Whatever the last minute changed, and the re-read of what CDC leaves out.
    await flushWebhooks(emulator.url);
    const final = JSON.parse(await cli(['sync', '--realm', realmId, '--once', '--json'])) as {
      requests: number;
    };

    const mismatches: string[] = [];
    let records = 0;
    let deletedInRaw = 0;
    for (const e of ENTITIES) {
      const truth = await truthIds(emulator.url, realmId, e.name);
      const live = await liveIds(tdb.db, realmId, e.name);
      records += live.length;
      if (JSON.stringify(live) !== JSON.stringify(truth)) {
        mismatches.push(`${e.name} raw ${live.length} truth ${truth.length}`);
      }
      deletedInRaw += (await rawRows(tdb.db, realmId, e.name)).filter((r) => r.deleted !== null).length;
    }
    const perRealmHour = Math.round((syncRequests / syncMs) * 3_600_000);
    const c = changes.rows[0] ?? { upserted: 0, deleted: 0 };
    const stats = emulator.stats() as { webhooks?: { batches: number; events: number; failures: number } };
    return {
      rows: [
        `| sync drill: ${minutes} min of \`sync --every 1m\`, activity ${activity}/min, webhooks every 60 s | raw = truth for ${ENTITIES.length - mismatches.length}/${ENTITIES.length} entities (${records} records; ${deletedInRaw} rows marked deleted)${mismatches.length ? `; differ: ${mismatches.join(', ')}` : ''} | ${(syncMs / 60_000).toFixed(1)} min |`,
        `| QBO requests spent by sync | **${syncRequests}** in ${(syncMs / 60_000).toFixed(1)} min = **${perRealmHour} per realm-hour** (the backfill before it: ${backfillRequests}); the last \`sync --once\`: ${final.requests} | |`,
        `| changes carried by the cycles | ${c.upserted} upserted, ${c.deleted} deleted | |`,
        `| cycles | ${cycles.rows.map((r) => `${r.trigger} ${r.status}: ${r.n} (${r.requests} requests)`).join('; ')} | |`,
        `| webhooks delivered by the emulator | ${stats.webhooks ? `${stats.webhooks.batches} batches, ${stats.webhooks.events} events, ${stats.webhooks.failures} failures` : 'n/a'} | |`,
      ],
      notes: [`Machine at the end: ${machineLine()}`],
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await dashboard.close();
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  }
}

async function flushWebhooks(url: string): Promise<void> {
  await fetch(`${url}/__emulator/webhooks/flush`, { method: 'POST' });
}
