/**
 * Drill, run by hand: every entity over the sandbox profile's three years (2024-01-01 ..
 * 2026-12-31, ~31,000 windows), three in-process workers, QBO's limits raised on both sides.
 * Prints how long it took and checks that every window succeeded and every raw table holds
 * exactly the emulator's records. Exits 1 when that does not hold.
 *
 *   node --import tsx bench/every-entity.ts [FROM TO] [WORKERS] [CONCURRENCY]
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { sql } from 'kysely';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../src/config/config.js';
import { ENTITIES, entityNames } from '../src/model/entities.js';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { startWorker } from '../src/worker/worker-process.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { emulatorEnv, waitForRunEnd } from '../test/helpers/backfill.js';
import { dayPlan, closeBench } from './lib.js';

const [fromArg = '2024-01-01', toArg = '2026-12-31', workersArg = '3', concurrencyArg = '8'] =
  process.argv.slice(2);
const from = new Date(`${fromArg}T00:00:00Z`);
const to = new Date(Date.parse(`${toArg}T00:00:00Z`) + 86_400_000);

const emulator = await startEmulator({
  port: 0,
  seed: 20260101,
  config: { requestsPerMinute: 1_000_000, maxConcurrent: 200 },
});
const tdb = await createTestDatabase();
const prefix = uniquePrefix('drill');
const realmId = emulator.realmIds[0] as string;
const config = parseConfig({
  ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
  QBO_REQUESTS_PER_MINUTE: '100000',
  QBO_MAX_CONCURRENT: '60',
  LOG_LEVEL: 'silent',
});
const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
const workers = Array.from({ length: Number(workersArg) }, () =>
  startWorker({ config, logger: pino({ level: 'silent' }), concurrency: Number(concurrencyArg) }),
);
let ok = false;
try {
  const plan = dayPlan(realmId, entityNames(), from, to);
  const t0 = performance.now();
  const run = await enqueueBackfill(tdb.db, queue, plan);
  const progress = setInterval(() => {
    void tdb.db
      .selectFrom('ops.windows')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('run_id', '=', run.runId)
      .where('status', '=', 'succeeded')
      .executeTakeFirst()
      .then((r) =>
        console.error(`${Math.round((performance.now() - t0) / 1000)} s: ${r?.n} of ${run.jobs} windows`),
      );
  }, 30_000);
  const status = await waitForRunEnd(tdb.db, run.runId, 3 * 3_600_000);
  clearInterval(progress);
  const seconds = (performance.now() - t0) / 1000;
  const byStatus = await tdb.db
    .selectFrom('ops.windows')
    .select([
      'status',
      (eb) => eb.fn.countAll<string>().as('n'),
      (eb) => eb.fn.sum<string>('pages').as('pages'),
    ])
    .where('run_id', '=', run.runId)
    .groupBy('status')
    .execute();
  let rows = 0;
  const mismatches: string[] = [];
  for (const entity of ENTITIES) {
    const truth =
      entity.read === 'whole'
        ? emulator.truth(realmId, entity.qboName, new Date(0), new Date(8.64e15))
        : emulator.truth(realmId, entity.qboName, from, to);
    const stored = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM raw.${sql.raw(entity.table)} WHERE realm_id = ${realmId}`.execute(
      tdb.db,
    );
    const n = stored.rows[0]?.n ?? -1;
    rows += n;
    if (n !== truth.count) mismatches.push(`${entity.name}: raw ${n}, emulator ${truth.count}`);
  }
  const requests = emulator.stats().realms[realmId]?.requests ?? {};
  console.log(
    `every entity ${fromArg}..${toArg}: run ${status}, ${run.jobs} windows ${JSON.stringify(Object.fromEntries(byStatus.map((s) => [s.status, Number(s.n)])))}, ` +
      `${rows} rows in ${ENTITIES.length} tables, requests ${JSON.stringify(requests)}, ` +
      `${Math.round(seconds)} s (${Math.round(run.jobs / seconds)} windows/s, ${Math.round(rows / seconds)} rows/s), ` +
      `${workersArg} workers x ${concurrencyArg}`,
  );
  if (mismatches.length) console.log(`raw differs from the emulator: ${mismatches.join('; ')}`);
  ok = status === 'succeeded' && mismatches.length === 0;
} finally {
  await closeBench({ workers, queue, prefix, emulator, tdb });
}
process.exitCode = ok ? 0 : 1;
