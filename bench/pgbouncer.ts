/**
 * What PgBouncer in transaction mode costs the page upsert (`npm run bench -- pgbouncer`): the same
 * 10 pages of ~1,000 large-profile invoices, upserted as the worker does (each record's byte range
 * of the body, one transaction a page), through three pools in turn, round after round, same run:
 *
 *   direct, named     the product's pool on PostgreSQL itself (statements marked PREPARED by name)
 *   direct, unnamed   the same without names, to tell the pooler's hop from the lost preparation
 *   PgBouncer         the product's pool through PgBouncer 1.18 in transaction mode (unnamed, as
 *                     the product runs when DATABASE_DIRECT_URL is set apart from DATABASE_URL)
 *
 * Each round and pool: truncate, the first load (all inserted), then every record newer (all
 * updated). The headline is the median of the rounds' ratios against direct, named.
 *
 * `upsertPage` alone is one unnamed statement on any pool; the worker commits a page with its
 * window's counters in one statement marked PREPARED (page-commit.ts), and runs a few more per job.
 * So a short backfill follows: 40 days of invoices in pages of 1000, two `qbo-backfill worker`
 * processes of the compiled product for each side (own queue prefix), QBO's limits off, the
 * emulator's answers cached, rounds alternating direct and through PgBouncer.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { startEmulator } from '@qbo-backfill/emulator';
import { createDb, type Db } from '../src/infra/db.js';
import { getEntity } from '../src/model/entities.js';
import type { ParsedRecord } from '../src/qbo/qbo-record.js';
import { readPageRecords, readQueryResponse } from '../src/qbo/qbo-response.js';
import { upsertPage, type PageAudit } from '../src/raw/upsert-page.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { PgBouncerServer } from '../test/helpers/pgbouncer.js';
import { Queue } from 'bullmq';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { waitForRunEnd } from '../src/backfill/state/index.js';
import { emulatorEnv } from '../test/helpers/backfill.js';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from '../test/helpers/redis.js';
import type { TestDatabase } from '../test/helpers/db.js';
import {
  dayPlan,
  accessToken,
  dayPageAudit,
  fetchDayPage,
  machineLine,
  spawnEmulator,
  utcDay,
  type BenchResult,
} from './lib.js';
import { spawnWorkerProcess, type WorkerProcessHandle } from './product-processes.js';

const PAGES = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Page {
  records: ParsedRecord[];
  audit: PageAudit;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function benchPgBouncer(): Promise<BenchResult> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 9 });
  const tdb = await createTestDatabase();
  const bouncer = await PgBouncerServer.start({ poolSize: 20 });
  const entity = getEntity('invoices');
  const realmId = emulator.realmIds[0] as string;
  const pools: [string, Db][] = [
    ['direct, named statements (the product without a pooler)', createDb(tdb.url, { max: 1 })],
    ['direct, unnamed statements', createDb(tdb.url, { max: 1, namedStatements: false })],
    [
      'PgBouncer 1.18, transaction mode, unnamed statements (the product through a pooler)',
      createDb(bouncer.urlFor(tdb.url), { max: 1, namedStatements: false }),
    ],
  ];
  try {
    const token = await accessToken(emulator);
    const pages: Page[] = [];
    for (let d = 0; d < PAGES; d++) {
      const day = utcDay('2025-06-01', d);
      const { body, statement } = await fetchDayPage(emulator.url, token, realmId, entity, day);
      pages.push({
        records: readPageRecords(readQueryResponse(Buffer.from(body))!, entity.qboName),
        audit: dayPageAudit(realmId, day, statement),
      });
    }
    const rows = pages.reduce((n, p) => n + p.records.length, 0);
    const pass = async (db: Db, bump: number) => {
      const t0 = performance.now();
      for (const p of pages) {
        const records = p.records.map((r) => ({ ...r, syncToken: (r.syncToken ?? 0) + bump }));
        await db.transaction().execute((trx) => upsertPage(trx, entity, records, p.audit));
      }
      return performance.now() - t0;
    };
    // ms per pool and round: [first load, every record newer].
    const times = pools.map(() => [] as [number, number][]);
    const loads: number[] = [];
    // Untimed: each pool's connection opened and the statements' first parse done.
    for (const [, db] of pools) {
      await sql`TRUNCATE raw.qb_invoices`.execute(tdb.db);
      await pass(db, 0);
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another pool: whichever runs first after a pause runs on colder caches.
      for (const i of pools.map((_, k) => (k + round) % pools.length)) {
        const db = pools[i]![1];
        await sql`TRUNCATE raw.qb_invoices`.execute(tdb.db);
        await sql`VACUUM ANALYZE raw.qb_invoices`.execute(tdb.db);
        times[i]!.push([await pass(db, 0), await pass(db, 1)]);
      }
      loads.push(Number(/load ([\d.]+)/.exec(machineLine())?.[1] ?? 0));
    }
    const out: string[] = [];
    const baseline = times[0]!;
    for (const [i, [label]] of pools.entries()) {
      const t = times[i]!;
      const insert = median(t.map((x) => x[0]));
      const update = median(t.map((x) => x[1]));
      const ratios = t.map((x, r) => (x[0] + x[1]) / (baseline[r]![0] + baseline[r]![1]));
      out.push(
        `| ${label} | first load ${(insert / PAGES).toFixed(1)} ms/page, every record newer ${(update / PAGES).toFixed(1)} ms/page (medians of ${ROUNDS} rounds, ${rows} rows a pass) | ` +
          (i === 0
            ? 'the baseline |'
            : `**${median(ratios).toFixed(2)}** of the baseline (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}) |`),
      );
    }
    const through = await bouncer.stats(tdb.name);
    out.push(...(await shortBackfill(tdb, bouncer)));
    return {
      rows: out,
      notes: [
        `Rounds interleave the three pools, each round starting with the next (one connection each; PgBouncer's pool at most 20 server connections), load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} at the rounds' ends; PgBouncer passed ${through.transactions} transactions, ${through.queries} queries.`,
      ],
    };
  } finally {
    await Promise.all(pools.map(([, db]) => db.destroy()));
    await bouncer.destroy();
    await emulator.close();
    await tdb.drop();
  }
}

const DAYS = 40;
const FROM = '2025-04-01';
const BACKFILL_ROUNDS = Number(process.env.BENCH_BACKFILL_ROUNDS ?? 3);

/** The worker path end to end, direct against through PgBouncer: rounds alternate the sides. */
async function shortBackfill(tdb: TestDatabase, bouncer: PgBouncerServer): Promise<string[]> {
  const emulator = await spawnEmulator({
    profile: 'large',
    seed: 11,
    config: { requestsPerMinute: 1_000_000, maxConcurrent: 10_000, cacheReplies: true },
  });
  const realmId = emulator.realmIds[0] as string;
  const base = {
    QBO_CLIENT_ID: emulator.clientId,
    QBO_CLIENT_SECRET: emulator.clientSecret,
    QBO_REFRESH_TOKEN: emulator.refreshToken,
    QBO_REQUESTS_PER_MINUTE: '100000',
    QBO_MAX_CONCURRENT: '100',
    LOG_LEVEL: 'warn',
  };
  const sides = [
    { label: 'direct (DATABASE_URL = PostgreSQL, named statements)', db: {} as Record<string, string> },
    {
      label: 'through PgBouncer (DATABASE_URL = PgBouncer, DATABASE_DIRECT_URL = PostgreSQL, unnamed)',
      db: { DATABASE_URL: bouncer.urlFor(tdb.url), DATABASE_DIRECT_URL: tdb.url },
    },
  ].map((side) => {
    const prefix = uniquePrefix('bench-pgb');
    return {
      ...side,
      prefix,
      env: { ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId), ...base, ...side.db },
      queue: new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix }),
      workers: [] as WorkerProcessHandle[],
      ms: [] as number[],
    };
  });
  try {
    const token = await accessToken(emulator);
    for (let d = -2; d < DAYS; d++)
      await fetchDayPage(emulator.url, token, realmId, getEntity('invoices'), utcDay(FROM, d));
    const backfill = async (side: (typeof sides)[number], from: Date, to: Date) => {
      const plan = dayPlan(realmId, ['invoices'], from, to);
      const t0 = performance.now();
      const { runId } = await enqueueBackfill(tdb.db, side.queue, plan);
      const status = await waitForRunEnd(tdb.db, runId, 600_000, 20);
      if (status !== 'succeeded') throw new Error(`${side.label}: run ${runId} ${status}`);
      return performance.now() - t0;
    };
    for (const side of sides) {
      for (let w = 0; w < 2; w++) side.workers.push(await spawnWorkerProcess(side.env, 4));
      await backfill(side, utcDay(FROM, -2), utcDay(FROM)); // warm-up: V8, pools
    }
    let rows = 0;
    for (let round = 0; round < BACKFILL_ROUNDS; round++) {
      for (const side of round % 2 ? [...sides].reverse() : sides) {
        await sql`TRUNCATE raw.qb_invoices`.execute(tdb.db);
        await sql`CHECKPOINT`.execute(tdb.db);
        side.ms.push(await backfill(side, utcDay(FROM), utcDay(FROM, DAYS)));
        rows = Number(
          (await sql<{ n: string }>`SELECT count(*)::text AS n FROM raw.qb_invoices`.execute(tdb.db)).rows[0]
            ?.n,
        );
      }
    }
    const [direct, pooled] = sides as [(typeof sides)[number], (typeof sides)[number]];
    const ratios = pooled.ms.map((t, i) => t / (direct.ms[i] as number));
    return sides.map(
      (side, i) =>
        `| backfill ${DAYS} days of invoices (${rows} rows, pages of 1000), 2 worker processes x 4, ${side.label} | ` +
        `median ${(median(side.ms) / 1000).toFixed(2)} s = ${Math.round(rows / (median(side.ms) / 1000))} rows/s (rounds ${side.ms.map((t) => (t / 1000).toFixed(2)).join(', ')} s) | ` +
        (i === 0
          ? 'the baseline |'
          : `**${median(ratios).toFixed(2)}** of direct's time (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}) |`),
    );
  } finally {
    for (const side of sides) {
      await Promise.all(side.workers.map((w) => w.close()));
      await side.queue.close();
      await deletePrefix(side.prefix);
    }
    await emulator.close();
  }
}
