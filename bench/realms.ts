/**
 * Benchmarks of the realm budget (`npm run bench -- <name>`):
 *
 *   one-realm   one realm, 3 workers x 4, the emulator limited like QBO (100 per 12 s sliding
 *               window = 500/min) and the workers' budget at that limit: requests/min and 429s, for
 *               the default start-lag allowance (250 ms) and for none
 *   one-realm-paged  one realm of the large profile in pages of 50: windows that hand their slots
 *               back between pages still spend the realm's whole budget
 *   ten-realms  ten realms, same limits, ten 3-year backfills enqueued one after another
 *   ten-realms-paged  ten realms of the large profile (about 1,000 invoices a day) read in pages
 *               of 5, so each window takes about 200 requests, enqueued one after another while
 *               the workers run: the first realm's windows take every slot, and while they wait
 *               for its budget between pages they must give their slots back to the other realms
 *   thousand    (thousand-realms.ts) 1,000 realms in one process: Redis commands/s while their limiters live and once
 *               they are dropped as idle, Redis memory per idle realm; then the enqueue of
 *               1,000 realms x 3 entities x 30 days (own redis-server, so nothing else is counted)
 *   scale       3 years of the large profile (invoices, customers, items) at QBO's real limit
 *               (500 per 60 s), 3 worker processes: wall time / (requests / budget), worker RSS
 *
 * Each prints table rows with the load average beside them; nothing asserts a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { compiled } from '../test/helpers/compiled.js';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../src/config/config.js';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { applyBottleneckRedis7Patch } from '../src/qbo/rate-limit/bottleneck-redis7.js';
import { startWorker, type RunningWorker } from '../src/worker/worker-process.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { emulatorEnv, waitForRunEnd } from '../test/helpers/backfill.js';
import { dayPlan, closeBench, rssMiB } from './lib.js';
import { redisUsedBytes } from './cluster.js';
import { benchThousand } from './thousand-realms.js';

// This process makes rate limiters: Bottleneck's Redis 7 fix first, as every process does at start.
applyBottleneckRedis7Patch();

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => `load ${os.loadavg()[0]?.toFixed(1)}`;
const ENTITIES = ['invoices', 'customers', 'items'];
/** QBO's minute scaled to 12 s: the same 500/min rate, five times as many windows per run. */
const SCALED = { requestsPerMinute: 100, windowMs: 12_000, maxConcurrent: 10 };

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

function okAndThrottled(emulator: Emulator, realms: string[]): { ok: number; throttled: number } {
  const stats = emulator.stats();
  let ok = 0;
  let throttled = 0;
  for (const r of realms) {
    const req = stats.realms[r]?.requests ?? {};
    ok += req['200'] ?? 0;
    throttled += req['429'] ?? 0;
  }
  return { ok, throttled };
}

/** What a throughput bench reads in each realm, when it is not the default 3-year backfill. */
interface ThroughputShape {
  /** The emulator's profile (default: its sandbox company). */
  profile?: 'large';
  entities: string[];
  from: string;
  to: string;
  pageSize: number;
  /**
   * Workers running before the realms are enqueued: the first realm's windows take every slot
   * before the others are in the queue, as when companies are added to a busy cluster.
   */
  workersFirst?: boolean;
  /** Said in the row's label. */
  label: string;
}

/** Invoices, customers and items over 3 years in pages of 1000: one page a window (the sandbox profile). */
const THREE_YEARS: ThroughputShape = {
  entities: ENTITIES,
  from: '2023-01-01',
  to: '2026-01-01',
  pageSize: 1000,
  label: '',
};

/** The large profile's invoices over January and February 2024, in pages of `pageSize`. */
const largeInvoices = (pageSize: number, label: string): ThroughputShape => ({
  profile: 'large',
  entities: ['invoices'],
  from: '2024-01-01',
  to: '2024-03-01',
  pageSize,
  label,
});

/**
 * N realms, each with a backfill enqueued one after another, 3 in-process workers x 4;
 * after a warm-up of one window, counts the requests of four windows.
 */
async function throughput(
  realmCount: number,
  startLagAllowanceMs?: number,
  shape: ThroughputShape = THREE_YEARS,
): Promise<string> {
  const realms = Array.from({ length: realmCount }, (_, i) => String(9_300_001 + i));
  const emulator = await startEmulator({
    port: 0,
    seed: 77,
    realmIds: realms,
    config: SCALED,
    ...(shape.profile ? { profile: shape.profile } : {}),
  });
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench-realms');
  const config = parseConfig({
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realms[0] as string),
    QBO_REQUESTS_PER_MINUTE: String(SCALED.requestsPerMinute),
    QBO_MAX_CONCURRENT: String(SCALED.maxConcurrent),
    LOG_LEVEL: 'silent',
  });
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const workers: RunningWorker[] = [];
  try {
    const enqueue = async () => {
      for (const realmId of realms) {
        const plan = dayPlan(
          realmId,
          shape.entities,
          new Date(`${shape.from}T00:00:00Z`),
          new Date(`${shape.to}T00:00:00Z`),
          { pageSize: shape.pageSize },
        );
        await enqueueBackfill(tdb.db, queue, plan);
      }
    };
    if (!shape.workersFirst) await enqueue();
    for (let i = 0; i < 3; i++) {
      workers.push(
        startWorker({
          config,
          logger: silent,
          concurrency: 4,
          limiter: {
            windowMs: SCALED.windowMs,
            ...(startLagAllowanceMs === undefined ? {} : { startLagAllowanceMs }),
          },
        }),
      );
    }
    if (shape.workersFirst) await enqueue();
    await sleep(SCALED.windowMs);
    const before = okAndThrottled(emulator, realms);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const load0 = os.loadavg()[0] ?? 0;
    await sleep(4 * SCALED.windowMs);
    const after = okAndThrottled(emulator, realms);
    const minutes = (performance.now() - t0) / 60_000;
    // The process's CPU per request (workers, limiter, queue and emulator share it): far less
    // sensitive to the machine's load than the rate, which the process's share of the cores bounds.
    const cpu = process.cpuUsage(cpu0);
    const cpuPerRequestMs = (cpu.user + cpu.system) / 1000 / Math.max(1, after.ok - before.ok);
    const perMinute = (after.ok - before.ok) / minutes;
    const allowed = realmCount * 500;
    const label =
      `${realmCount} realm${realmCount > 1 ? 's' : ''}${shape.label}, 3 workers x 4, emulator 100 per 12 s per realm` +
      (startLagAllowanceMs === undefined ? '' : `, start-lag allowance ${startLagAllowanceMs} ms`);
    return (
      `| ${label} | ${Math.round(perMinute)} requests/min of ${allowed} = **${(perMinute / allowed).toFixed(3)}**, ` +
      `429s ${after.throttled}; CPU ${cpuPerRequestMs.toFixed(2)} ms per request (one process) | load ${load0.toFixed(1)}-${os.loadavg()[0]?.toFixed(1)} |`
    );
  } finally {
    await closeBench({ workers, queue, prefix, emulator, tdb });
  }
}

export async function benchOneRealm(): Promise<string[]> {
  return [await throughput(1), await throughput(1, 0)];
}

export async function benchTenRealms(): Promise<string[]> {
  return [await throughput(10)];
}

/**
 * One realm of the large profile in pages of 50 (about 20 a window): its windows hand their slots
 * back between pages while the budget is booked ahead, and the realm must still get its budget.
 */
export async function benchOneRealmPaged(): Promise<string[]> {
  return [
    await throughput(
      1,
      undefined,
      largeInvoices(50, ' of the large profile, invoices in pages of 50 (about 20 a window)'),
    ),
  ];
}

/** The large profile's days hold about 1,000 invoices: about 200 pages of 5 a window. */
export async function benchTenRealmsPaged(): Promise<string[]> {
  return [
    await throughput(10, undefined, {
      ...largeInvoices(
        5,
        ' of the large profile, invoices in pages of 5 (about 200 a window), enqueued one after another while the workers run',
      ),
      workersFirst: true,
    }),
  ];
}

const WORKER_CHILD = fileURLToPath(new URL('./fixtures/worker-child.ts', import.meta.url));

/**
 * The large profile's three years (its data runs from 2024-01-01 to 2026-12-31, about 1,000
 * invoices a day): over a million invoices, 3,288 windows. `to` is exclusive.
 */
const SCALE_FROM = '2024-01-01';
const SCALE_TO = '2027-01-01';

export async function benchScale(): Promise<string[]> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 2026 });
  const realmId = emulator.realmIds[0] as string;
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench-scale');
  const env = {
    ...process.env,
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
    QBO_REQUESTS_PER_MINUTE: '500',
    LOG_LEVEL: 'warn',
  };
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const children: ChildProcess[] = [];
  const samples: number[][] = [];
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const plan = dayPlan(
      realmId,
      ENTITIES,
      new Date(`${SCALE_FROM}T00:00:00Z`),
      new Date(`${SCALE_TO}T00:00:00Z`),
    );
    const mem0 = await redisUsedBytes(redis);
    for (let i = 0; i < 3; i++) {
      children.push(
        // Compiled JavaScript, as production runs: the TypeScript loader would add ~40 MB to the RSS sampled.
        spawn(process.execPath, [compiled(WORKER_CHILD), '60000', '4'], { env, stdio: 'ignore' }),
      );
    }
    await sleep(3_000);
    const t0 = performance.now();
    const run = await enqueueBackfill(tdb.db, queue, plan);
    let peakRedis = 0;
    const sampler = setInterval(() => {
      samples.push(children.map((c) => rssMiB(c.pid)));
      void redisUsedBytes(redis).then((m) => (peakRedis = Math.max(peakRedis, m - mem0)));
    }, 5_000);
    const status = await waitForRunEnd(tdb.db, run.runId, 3_600_000);
    clearInterval(sampler);
    const seconds = (performance.now() - t0) / 1000;
    const stats = emulator.stats().realms[realmId]?.requests ?? {};
    const requests = Object.values(stats).reduce((a, b) => a + b, 0);
    const needed = (requests / 500) * 60;
    const totals = await tdb.db
      .selectFrom('ops.windows')
      .select((eb) => [eb.fn.sum<number>('rows_fetched').as('rows'), eb.fn.countAll<number>().as('windows')])
      .where('run_id', '=', run.runId)
      .executeTakeFirstOrThrow();
    const tableSizes = await sql<{ t: string; s: string }>`
      SELECT relname AS t, pg_size_pretty(pg_total_relation_size(c.oid)) AS s
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'raw' AND relname IN ('qb_invoices','qb_customers','qb_items')`.execute(tdb.db);
    const flat = samples.flat().filter((x) => x > 0);
    const first = samples.slice(1, 4).flat();
    const last = samples.slice(-3).flat();
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    return [
      `| scale: large profile ${SCALE_FROM}..2026-12-31, invoices+customers+items, 3 worker processes x 4, budget 500/60 s | ${status}: ${totals.windows} windows, ${totals.rows} rows, requests ${JSON.stringify(stats)} | ${Math.round(seconds)} s vs ${Math.round(needed)} s needed at 500/min = **${(seconds / needed).toFixed(3)}** |`,
      `| scale: worker RSS, sampled every 5 s (${samples.length} samples x 3 processes) | max ${Math.max(...flat).toFixed(0)} MiB; mean of the first samples ${avg(first).toFixed(0)} MiB, of the last ${avg(last).toFixed(0)} MiB | ${load()} |`,
      `| scale: Redis memory (peak over the run, this prefix's queue on the shared server) and tables | +${(peakRedis / 1024 / 1024).toFixed(1)} MiB; ${tableSizes.rows.map((r) => `${r.t} ${r.s}`).join(', ')} | |`,
    ];
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    redis.disconnect();
    await queue.close();
    await deletePrefix(prefix);
    await emulator.close();
    await tdb.drop();
  }
}

export const REALM_BENCHES: Record<string, () => Promise<string[]>> = {
  'one-realm': benchOneRealm,
  'one-realm-paged': benchOneRealmPaged,
  'ten-realms': benchTenRealms,
  'ten-realms-paged': benchTenRealmsPaged,
  thousand: benchThousand,
  scale: benchScale,
};
