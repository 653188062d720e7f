/**
 * Against the way it was done before, on the same emulator with the same latency (150 ms a
 * request) and QBO's own limits:
 *
 *   before   one script: pages of 10, a 0.5 s pause between requests, one day after another, one
 *            entity at a time, each record upserted by its own statement (autocommit)
 *   product  `enqueue` of the same range with the defaults (pages of 1000), two workers of the
 *            default concurrency, the default shared budget (480/min, 10 in flight)
 *
 * for the sandbox month (January 2026) and one week of the large profile (invoices, customers,
 * items). Both must store the emulator's truth; the figure is the wall-time ratio.
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { startEmulator, type ProfileName } from '@qbo-backfill/emulator';
import { parseConfig } from '../src/config/config.js';
import type { Db } from '../src/infra/db.js';
import { getEntity } from '../src/model/entities.js';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { waitForRunEnd } from '../src/backfill/state/index.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { pageRecords, parseRecord } from '../src/qbo/qbo-record.js';
import { pageStatement } from '../src/qbo/query.js';
import { startWorker } from '../src/worker/worker-process.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { emulatorEnv } from '../test/helpers/backfill.js';
import { upsertRowByRow } from './upsert-shapes.js';
import { dayPlan, accessToken, DAY_MS, ms, silent, utcDay, type BenchResult } from './lib.js';

const LATENCY_MS = 150;
const ENTITIES = ['invoices', 'customers', 'items'];

interface Scope {
  label: string;
  profile: ProfileName;
  from: string;
  days: number;
}

const SCOPES: Record<string, Scope> = {
  sandbox: { label: 'sandbox month (January 2026)', profile: 'sandbox', from: '2026-01-01', days: 31 },
  large: {
    label: 'large profile, one week (2025-06-01..07)',
    profile: 'large',
    from: '2025-06-01',
    days: Number(process.env.BENCH_OLDWAY_LARGE_DAYS ?? 7),
  },
};

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** The earlier script, faithfully: no queue, no overlap, no budget but the pause. */
async function oldWay(emulator: Emulator, db: Db, scope: Scope): Promise<{ requests: number }> {
  const realmId = emulator.realmIds[0] as string;
  const token = await accessToken(emulator);
  let requests = 0;
  for (const name of ENTITIES) {
    const entity = getEntity(name);
    for (let d = 0; d < scope.days; d++) {
      const start = utcDay(scope.from, d);
      const end = new Date(start.getTime() + DAY_MS);
      for (let page = 0; ; page++) {
        if (requests > 0) await sleep(500);
        const statement = pageStatement(entity, start, end, page * 10 + 1, 10);
        const res = await fetch(
          `${emulator.url}/v3/company/${realmId}/query?query=${encodeURIComponent(statement)}&minorversion=75`,
          { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } },
        );
        requests++;
        if (!res.ok) throw new Error(`old way: ${res.status} for ${statement}`);
        const body = (await res.json()) as { QueryResponse: Record<string, unknown> };
        const records = pageRecords(body.QueryResponse, entity.qboName).map((r) => parseRecord(r));
        await upsertRowByRow(db, entity, records, {
          realmId,
          runId: 'old-way',
          windowStart: start,
          windowEnd: end,
          pageNumber: page + 1,
          pageSize: 10,
          requestPayload: statement,
        });
        if (records.length < 10) break;
      }
    }
  }
  return { requests };
}

/** The product with its defaults: enqueue, two workers, the shared budget. */
async function productWay(emulator: Emulator, db: Db, dbUrl: string, scope: Scope): Promise<string> {
  const realmId = emulator.realmIds[0] as string;
  const prefix = uniquePrefix('bench');
  const config = parseConfig({
    ...emulatorEnv(emulator.url, dbUrl, TEST_REDIS_URL, prefix, realmId),
    LOG_LEVEL: 'silent',
  });
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const workers = [startWorker({ config, logger: silent }), startWorker({ config, logger: silent })];
  try {
    const run = await enqueueBackfill(
      db,
      queue,
      dayPlan(realmId, ENTITIES, utcDay(scope.from), utcDay(scope.from, scope.days)),
    );
    return await waitForRunEnd(db, run.runId, 3_600_000, 50);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
    await deletePrefix(prefix);
  }
}

async function storedRows(db: Db): Promise<number> {
  let n = 0;
  for (const name of ENTITIES) {
    const table = `raw.${getEntity(name).table}` as 'raw.qb_invoices';
    const r = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    n += Number(r.n);
  }
  return n;
}

async function compare(scope: Scope): Promise<{ row: string[]; ratio: number }> {
  const emulator = await startEmulator({
    port: 0,
    profile: scope.profile,
    seed: 12,
    config: { latencyMs: LATENCY_MS },
  });
  const realmId = emulator.realmIds[0] as string;
  const product = await createTestDatabase();
  const before = await createTestDatabase();
  try {
    let truth = 0;
    for (const name of ENTITIES) {
      truth += emulator.truth(
        realmId,
        getEntity(name).qboName,
        utcDay(scope.from),
        utcDay(scope.from, scope.days),
      ).count;
    }
    emulator.resetStats();
    const t0 = performance.now();
    const status = await productWay(emulator, product.db, product.url, scope);
    const productMs = ms(t0);
    const productRequests = Object.values(emulator.stats().realms[realmId]?.requests ?? {}).reduce(
      (a, b) => a + b,
      0,
    );
    const t1 = performance.now();
    const old = await oldWay(emulator, before.db, scope);
    const oldMs = ms(t1);
    const [productRows, oldRows] = [await storedRows(product.db), await storedRows(before.db)];
    const ratio = oldMs / productMs;
    return {
      ratio,
      row: [
        `| ${scope.label}, before: pages of 10, 0.5 s pause, sequential, row-by-row upsert | ${oldRows} rows of ${truth} at the source, ${old.requests} requests | ${(oldMs / 1000).toFixed(1)} s |`,
        `| ${scope.label}, product defaults: enqueue + 2 workers, pages of 1000, budget 480/min | ${status}: ${productRows} rows of ${truth}, ${productRequests} requests | ${(productMs / 1000).toFixed(1)} s |`,
        `| **${scope.label}: wall time before / product** | **${ratio.toFixed(1)}x** | |`,
      ],
    };
  } finally {
    await emulator.close();
    await product.drop();
    await before.drop();
  }
}

export async function benchOldWay(): Promise<BenchResult> {
  const names = (process.env.BENCH_OLDWAY_SCOPES ?? 'sandbox,large').split(',');
  const rows: string[] = [];
  for (const name of names) {
    const scope = SCOPES[name];
    if (!scope) throw new Error(`unknown scope ${name}; known: ${Object.keys(SCOPES).join(', ')}`);
    rows.push(...(await compare(scope)).row);
  }
  return { rows };
}
