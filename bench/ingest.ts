/**
 * Ingest speed: the product's worker path end to end against `psql \copy` of the same rows into a
 * copy of the same table, in one run, so the ratio holds whatever the machine's load.
 *
 * (a) The emulator (own process, large profile, QBO's limits off, every day served once before
 *     the clock starts and its answer's bytes kept) answers 60 days of invoices in pages of 1000;
 *     two worker processes of the product's default concurrency (4) (warmed up on 6 other days first, see WARMUP_DAYS)
 *     run every window job: enqueue → queue → QBO client → upsert + window counters.
 * (b) The rows (a) stored are exported with `\copy ... TO` and loaded with `psql \copy ... FROM`
 *     into `LIKE raw.qb_invoices INCLUDING ALL` (same columns, lz4 payload, primary key, index).
 * Rounds alternate (a) and (b) on emptied tables.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { parseConfig } from '../src/config/config.js';
import { getEntity } from '../src/model/entities.js';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { waitForRunEnd } from '../src/backfill/state/index.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { startWorker } from '../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { emulatorEnv } from '../test/helpers/backfill.js';
import {
  dayPlan,
  accessToken,
  closeBench,
  cpuSeconds,
  statCpu,
  fetchDayPage,
  ms,
  rate,
  silent,
  spawnEmulator,
  utcDay,
  type BenchResult,
} from './lib.js';
import { spawnWorkerProcess } from './product-processes.js';

const run = promisify(execFile);

const DAYS = 60;
const FROM = '2025-04-01';
const WORKERS = 2;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
/**
 * Rounds, alternating the two sides; the headline is their median. On two shared cores either
 * side's CPU for the same rows moves by about 0.5 s from one round to the next with no change, so
 * one round's ratio says little.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/**
 * Days before FROM that the workers backfill once before the first round (`BENCH_WARMUP=0`: none),
 * untimed, as the emulator is warmed: a worker process runs for hours, and its first seconds (code
 * not yet compiled by V8, pooled PostgreSQL connections not yet open) are not its ingest speed.
 */
const WARMUP_DAYS = process.env.BENCH_WARMUP === '0' ? 0 : 6;
/** `BENCH_IN_PROCESS=1`: the workers share the bench's process (one event loop) instead of two processes. */
const IN_PROCESS = process.env.BENCH_IN_PROCESS === '1';

/**
 * Emulator limits far above anything the run can reach: the figure is the ingest path's own. And
 * the emulator answers each page with the bytes it sent when the page was first asked for (warm-up,
 * before the clock), instead of running the query and serialising 1000 invoices again: that is
 * QBO's work, not the product's, yet here it shares the two cores with the workers. The workers
 * get the same JSON either way (only the envelope's `time` is that of the first answer).
 */
const LIMITS_OFF = { requestsPerMinute: 1_000_000, maxConcurrent: 10_000, cacheReplies: true };

async function psql(url: string, command: string): Promise<void> {
  await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', command]);
}

/** CPU seconds of each backend connected to the bench's database, by pid. */
async function backendCpu(tdb: TestDatabase): Promise<Map<number, number>> {
  const r = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = ${tdb.name}`.execute(
    tdb.db,
  );
  return new Map(r.rows.map((row) => [row.pid, cpuSeconds(row.pid)]));
}

async function backendCpuSince(tdb: TestDatabase, before: Map<number, number>): Promise<number> {
  let total = 0;
  for (const [pid, now] of await backendCpu(tdb)) total += now - (before.get(pid) ?? 0);
  return total;
}

/**
 * The pid of the Redis server the workers use, for its CPU from /proc: BullMQ's and the limiter's
 * Lua scripts run there, on the same two cores, so they are part of the worker side's cost.
 * Undefined when Redis runs elsewhere (no such pid here).
 */
async function redisPid(url: string): Promise<number | undefined> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return pid > 0 && cpuSeconds(pid) > 0 ? pid : undefined;
  } finally {
    redis.disconnect();
  }
}

export async function benchIngest(): Promise<BenchResult> {
  const emulator = await spawnEmulator({ profile: 'large', seed: 11, config: LIMITS_OFF });
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench');
  const realmId = emulator.realmIds[0] as string;
  const entity = getEntity('invoices');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qbo-bench-'));
  const file = path.join(dir, 'rows.tsv');
  const script = path.join(dir, 'copy.sql');
  const env = {
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
    QBO_CLIENT_ID: emulator.clientId,
    QBO_CLIENT_SECRET: emulator.clientSecret,
    QBO_REFRESH_TOKEN: emulator.refreshToken,
    QBO_REQUESTS_PER_MINUTE: '100000',
    QBO_MAX_CONCURRENT: '100',
  };
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const workers: { pid: number; close(): Promise<void> }[] = [];
  try {
    for (let w = 0; w < WORKERS; w++) {
      if (IN_PROCESS) {
        const config = parseConfig({ ...env, LOG_LEVEL: 'silent' });
        const worker = startWorker({ config, logger: silent, concurrency: CONCURRENCY });
        workers.push({ pid: process.pid, close: () => worker.close() });
      } else {
        workers.push(await spawnWorkerProcess(env, CONCURRENCY));
      }
    }
    // Warm: every day generated and cached by the emulator before any clock starts.
    const token = await accessToken(emulator);
    for (let d = -WARMUP_DAYS; d < DAYS; d += 6) {
      await Promise.all(
        Array.from({ length: Math.min(6, DAYS - d) }, (_, i) =>
          fetchDayPage(emulator.url, token, realmId, entity, utcDay(FROM, d + i)),
        ),
      );
    }
    let enqueuedAt = 0;
    const backfill = async (from: Date, to: Date) => {
      const enqueued = await enqueueBackfill(tdb.db, queue, dayPlan(realmId, ['invoices'], from, to));
      enqueuedAt = Date.now();
      return { runId: enqueued.runId, status: await waitForRunEnd(tdb.db, enqueued.runId, 600_000, 20) };
    };
    if (WARMUP_DAYS > 0) await backfill(utcDay(FROM, -WARMUP_DAYS), utcDay(FROM));
    const redis = await redisPid(TEST_REDIS_URL);
    const redisCpu = () => (redis === undefined ? NaN : cpuSeconds(redis));
    const workersCpu = () =>
      [...new Set(workers.map((w) => w.pid))].reduce((n, pid) => n + cpuSeconds(pid), 0);
    const rows: string[] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await sql`TRUNCATE raw.qb_invoices`.execute(tdb.db);
      await sql`CHECKPOINT`.execute(tdb.db);
      const cpu0 = {
        node: workersCpu(),
        emulator: cpuSeconds(emulator.pid),
        redis: redisCpu(),
        pg: await backendCpu(tdb),
      };
      const t0 = performance.now();
      const wall0 = Date.now();
      const { runId, status } = await backfill(utcDay(FROM), utcDay(FROM, DAYS));
      const workerMs = ms(t0);
      const seenAt = Date.now();
      const cpu = {
        node: workersCpu() - cpu0.node,
        emulator: cpuSeconds(emulator.pid) - cpu0.emulator,
        redis: redisCpu() - cpu0.redis,
        pg: await backendCpuSince(tdb, cpu0.pg),
      };
      const totals = await tdb.db
        .selectFrom('ops.windows')
        .select((eb) => [
          eb.fn.sum<number>('rows_fetched').as('rows'),
          eb.fn.sum<number>('inserted').as('inserted'),
        ])
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      const stored = Number(totals.rows);
      // Where the wall time went: enqueueing, the first window's start, the last one's end, and
      // the poll that saw the run end.
      const span = await tdb.db
        .selectFrom('ops.windows')
        .select((eb) => [eb.fn.min('started_at').as('first'), eb.fn.max('finished_at').as('last')])
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      const at = (d: Date | null) => (d ? String(new Date(d).getTime() - wall0) : '?');
      const timeline = `enqueued +${enqueuedAt - wall0} ms, first window started +${at(span.first)}, last ended +${at(span.last)}, run end seen +${seenAt - wall0}`;

      await psql(tdb.url, `\\copy raw.qb_invoices TO '${file}'`);
      await psql(
        tdb.url,
        'DROP TABLE IF EXISTS public.copy_target; CREATE TABLE public.copy_target (LIKE raw.qb_invoices INCLUDING ALL)',
      );
      // One psql session: its backend's pid first, then the load, then that backend's CPU from /proc.
      await writeFile(
        script,
        `SELECT pg_backend_pid() AS pid \\gset\n\\setenv BACKEND_PID :pid\n\\copy public.copy_target FROM '${file}'\n\\! cat /proc/$BACKEND_PID/stat\n`,
      );
      await sql`CHECKPOINT`.execute(tdb.db);
      const t1 = performance.now();
      const { stdout } = await run('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        tdb.url,
        '-f',
        script,
      ]);
      const copyMs = ms(t1);
      const copyCpu = statCpu(stdout);
      const copied = Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM public.copy_target`.execute(tdb.db)).rows[0]?.n,
      );
      const ratio = rate(stored, workerMs) / rate(copied, copyMs);
      ratios.push(ratio);
      rows.push(
        `| ingest round ${round}: workers (${WORKERS} ${IN_PROCESS ? 'in-process workers' : 'worker processes'} x ${CONCURRENCY}, limits off, ${DAYS} days, pages of 1000${WARMUP_DAYS ? `, warmed up on ${WARMUP_DAYS} other days` : ', cold'}) | ${status}: ${stored} rows (${Number(totals.inserted)} inserted) | ${workerMs} ms (${rate(stored, workerMs)} rows/s) |`,
        `| ingest round ${round}: CPU seconds during the workers' run | workers' Node ${IN_PROCESS ? 'process' : 'processes'} ${cpu.node.toFixed(1)} s, emulator ${cpu.emulator.toFixed(1)} s, PostgreSQL backends ${cpu.pg.toFixed(1)} s, Redis ${cpu.redis.toFixed(2)} s | ${timeline} |`,
        `| ingest round ${round}: \`psql \\copy\` of the same rows into a copy of the table | ${copied} rows; its backend used ${copyCpu.toFixed(1)} CPU s | ${copyMs} ms (${rate(copied, copyMs)} rows/s) |`,
        `| **ingest round ${round}: workers / \`psql \\copy\`** | **${ratio.toFixed(2)}** | |`,
      );
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    const median =
      ((sorted[(sorted.length - 1) >> 1] as number) + (sorted[sorted.length >> 1] as number)) / 2;
    rows.push(
      `| **ingest: workers / \`psql \\copy\`, median of ${ROUNDS} rounds** | **${median.toFixed(2)}** (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}; ${ratios.filter((r) => r >= 0.8).length} of ${ROUNDS} at or above 0.8) | |`,
    );
    return { rows, notes: [`ingest ratios workers/copy: ${ratios.map((r) => r.toFixed(2)).join(', ')}`] };
  } finally {
    await closeBench({ workers, queue, prefix, emulator, tdb });
    await rm(dir, { recursive: true, force: true });
  }
}
