/**
 * CPU per window job (`npm run bench -- job-cost`): what one one-page window costs each process,
 * which bounds the ten-realm throughput on a small machine and is far less load-sensitive than a
 * rate. Ten realms of the sandbox profile (one request per window), QBO's limits off on both
 * sides, `qbo-backfill worker` processes as production runs them (3 x 4, the ten-realms shape),
 * the emulator in a process of its own. Each round enqueues one run per realm of
 * `BENCH_JOB_DAYS` days x 3 entities and waits for every run to end; the CPU seconds each side
 * used meanwhile are divided by the jobs. Round 1 also pays the workers' JIT warm-up.
 *
 * `BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of each worker process when it exits.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { waitForRunEnd } from '../src/backfill/state/index.js';
import { enqueueBackfill } from '../src/backfill/plan/enqueue.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db.js';
import { uniquePrefix } from '../test/helpers/redis.js';
import { RedisServer } from '../test/rate-limit/redis-server.js';
import { emulatorEnv } from '../test/helpers/backfill.js';
import { backendCpu, redisUse } from './cluster.js';
import { dayPlan, cpuSeconds, ms, spawnEmulator, utcDay, type BenchResult } from './lib.js';
import { spawnWorkerProcess } from './product-processes.js';

const REALMS = 10;
const WORKERS = 3;
const CONCURRENCY = Number(process.env.BENCH_JOB_CONCURRENCY ?? 4);
const DAYS = Number(process.env.BENCH_JOB_DAYS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ENTITIES = ['invoices', 'customers', 'items'];
const LIMITS_OFF = { requestsPerMinute: 1_000_000, maxConcurrent: 10_000 };

/** Transactions committed in the bench's database so far (each autocommit statement is one). */
async function commits(tdb: TestDatabase): Promise<number> {
  // Backends publish their counts when idle, at most once a second: wait for that first.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const r = await sql<{ n: string }>`
    SELECT xact_commit AS n FROM pg_stat_database WHERE datname = ${tdb.name}`.execute(tdb.db);
  return Number(r.rows[0]?.n ?? 0);
}

/** The commands called most between two readings, per job: `evalsha 5.1, hget 3.0, ...`. */
function topCommands(before: Map<string, number>, after: Map<string, number>, jobs: number): string {
  return [...after]
    .map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / jobs] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, n]) => `${name} ${n.toFixed(1)}`)
    .join(', ');
}

export async function benchJobCost(): Promise<BenchResult> {
  const realms = Array.from({ length: REALMS }, (_, i) => String(9_400_001 + i));
  const emulator = await spawnEmulator({ seed: 77, realmIds: realms, config: LIMITS_OFF });
  const tdb = await createTestDatabase();
  // A Redis of its own: its CPU and command counts are the cluster's alone.
  const server = await RedisServer.start();
  const prefix = uniquePrefix('bench-jobcost');
  const env = {
    ...emulatorEnv(emulator.url, tdb.url, server.url, prefix, realms[0] as string),
    QBO_CLIENT_ID: emulator.clientId,
    QBO_CLIENT_SECRET: emulator.clientSecret,
    QBO_REFRESH_TOKEN: emulator.refreshToken,
    QBO_REQUESTS_PER_MINUTE: '100000',
    QBO_MAX_CONCURRENT: '100',
  };
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: server.url }, prefix });
  const redis = new Redis(server.url);
  const workers: { pid: number; close(): Promise<void> }[] = [];
  const rows: string[] = [];
  const notes: string[] = [];
  try {
    for (let w = 0; w < WORKERS; w++) workers.push(await spawnWorkerProcess(env, CONCURRENCY));
    const workersCpu = () => workers.reduce((n, w) => n + cpuSeconds(w.pid), 0);
    for (let round = 1; round <= ROUNDS; round++) {
      // Each round reads other days, so every window inserts (as a first backfill does).
      const from = utcDay('2025-01-01', (round - 1) * DAYS);
      const load0 = os.loadavg()[0] ?? 0;
      const commits0 = await commits(tdb);
      const cpu0 = {
        node: workersCpu(),
        emulator: cpuSeconds(emulator.pid),
        pg: await backendCpu(tdb),
        redis: await redisUse(redis),
      };
      const t0 = performance.now();
      const runIds: string[] = [];
      for (const realmId of realms) {
        const plan = dayPlan(realmId, ENTITIES, from, utcDay('2025-01-01', round * DAYS));
        runIds.push((await enqueueBackfill(tdb.db, queue, plan)).runId);
      }
      const statuses = [];
      for (const runId of runIds) statuses.push(await waitForRunEnd(tdb.db, runId, 1_800_000, 50));
      const wall = ms(t0);
      const jobs = REALMS * ENTITIES.length * DAYS;
      const redisNow = await redisUse(redis);
      const red = redisNow.cpu - cpu0.redis.cpu;
      // Minus the one INFO that read the counts before; the enqueue's commands are in it (~1 a job).
      const redisCommandsPerJob = (redisNow.commands - cpu0.redis.commands - 1) / jobs;
      let pg = 0;
      for (const [pid, now] of await backendCpu(tdb)) pg += now - (cpu0.pg.get(pid) ?? 0);
      const per = (s: number) => `${((s / jobs) * 1000).toFixed(2)} ms`;
      const node = workersCpu() - cpu0.node;
      const emu = cpuSeconds(emulator.pid) - cpu0.emulator;
      // The bench's own reads (enqueue, polling for the runs' ends) are in it too: an upper bound.
      const txPerJob = ((await commits(tdb)) - commits0) / jobs;
      notes.push(
        `job-cost round ${round}, Redis commands per job (scripts' own calls included): ${topCommands(cpu0.redis.byCommand, redisNow.byCommand, jobs)}`,
      );
      const ok = statuses.every((s) => s === 'succeeded') ? 'all runs succeeded' : statuses.join(',');
      rows.push(
        `| job-cost round ${round}: ${REALMS} realms x ${ENTITIES.length} entities x ${DAYS} days = ${jobs} one-page windows, ${WORKERS} worker processes x ${CONCURRENCY}, limits off | ${ok}; ` +
          `CPU per job: workers **${per(node)}**, PostgreSQL backends ${per(pg)}, Redis ${per(red)}, emulator ${per(emu)}; ` +
          `PostgreSQL transactions per job ${txPerJob.toFixed(1)}, Redis commands per job ${redisCommandsPerJob.toFixed(1)}; ${(jobs / (wall / 1000)).toFixed(1)} jobs/s | ${wall} ms, load ${load0.toFixed(1)}-${os.loadavg()[0]?.toFixed(1)} |`,
      );
    }
    // What the workers spend without jobs while their realms' limiters live (heartbeats every
    // 250 ms and the other processes' capacity broadcasts): a cost per second, not per job.
    const idle0 = workersCpu();
    const redisIdle0 = await redisUse(redis);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idleNode = workersCpu() - idle0;
    const redisIdle = await redisUse(redis);
    rows.push(
      `| job-cost: the same ${WORKERS} worker processes idle for 5 s, ${REALMS} realms' limiters live | ` +
        `workers ${((idleNode / 5) * 1000).toFixed(1)} ms CPU per second in all; Redis ` +
        `${(((redisIdle.cpu - redisIdle0.cpu) / 5) * 1000).toFixed(1)} ms CPU and ` +
        `${Math.round((redisIdle.commands - redisIdle0.commands - 1) / 5)} commands per second | load ${os.loadavg()[0]?.toFixed(1)} |`,
    );
    return { rows, notes };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    redis.disconnect();
    await queue.close();
    await server.destroy();
    await emulator.close();
    await tdb.drop();
  }
}
