/**
 * A cluster as production runs it, for the benches that measure budgets and scale: the emulator in
 * a process of its own, a redis-server of the bench's own (its CPU, commands and memory are the
 * cluster's alone), a test database, and `qbo-backfill worker` processes. It reads what each
 * process spent, so a bench can say where the time went.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { EmulatorOptions, StatsSnapshot } from '@qbo-backfill/emulator';
import { performance } from 'node:perf_hooks';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import type { Db } from '../src/infra/db.js';
import { enqueueBackfill, type EnqueuePlan } from '../src/backfill/plan/enqueue.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db.js';
import { uniquePrefix } from '../test/helpers/redis.js';
import { RedisServer } from '../test/rate-limit/redis-server.js';
import { emulatorEnv } from '../test/helpers/backfill.js';
import { cpuSeconds, spawnEmulator, type EmulatorHandle } from './lib.js';
import { spawnWorkerProcess, type WorkerProcessHandle } from './product-processes.js';

/** CPU seconds of the backends connected to the bench's database, by pid. */
export async function backendCpu(tdb: TestDatabase): Promise<Map<number, number>> {
  const r = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = ${tdb.name}`.execute(
    tdb.db,
  );
  return new Map(r.rows.map((row) => [row.pid, cpuSeconds(row.pid)]));
}

/** The bench's own Redis server: its CPU seconds (user + sys) and commands served so far. */
export async function redisUse(
  redis: Redis,
): Promise<{ cpu: number; commands: number; byCommand: Map<string, number> }> {
  const info = await redis.info('all');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  // Commands a Lua script calls count here too, beside the EVALSHA that ran it.
  const byCommand = new Map<string, number>();
  for (const m of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) byCommand.set(m[1] as string, Number(m[2]));
  const commands = [...byCommand.values()].reduce((a, b) => a + b, 0);
  return { cpu: field('used_cpu_user') + field('used_cpu_sys'), commands, byCommand };
}

/** Memory the Redis server holds now (`used_memory`), in bytes. */
export async function redisUsedBytes(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

/**
 * Enqueues `plans` (planned as they are taken, so the time includes planning) to a queue on
 * `redisUrl` under `prefix`, `redis` being a client of that server: the jobs, the milliseconds,
 * the Redis bytes added.
 */
export async function enqueueMeasured(
  redis: Redis,
  redisUrl: string,
  prefix: string,
  db: Db,
  plans: Iterable<EnqueuePlan>,
): Promise<{ jobs: number; ms: number; bytes: number }> {
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: redisUrl }, prefix });
  try {
    const mem0 = await redisUsedBytes(redis);
    const t0 = performance.now();
    let jobs = 0;
    for (const plan of plans) jobs += (await enqueueBackfill(db, queue, plan)).jobs;
    return { jobs, ms: performance.now() - t0, bytes: (await redisUsedBytes(redis)) - mem0 };
  } finally {
    await queue.close();
  }
}

/** CPU seconds each part of the cluster has used so far. */
export interface CpuReading {
  workers: number;
  emulator: number;
  /** Per backend pid: backends come and go, so a difference is taken pid by pid. */
  postgres: Map<number, number>;
  redis: number;
}

/** CPU seconds each part used between two readings. */
export function cpuBetween(a: CpuReading, b: CpuReading) {
  let postgres = 0;
  for (const [pid, now] of b.postgres) postgres += now - (a.postgres.get(pid) ?? 0);
  return {
    workers: b.workers - a.workers,
    emulator: b.emulator - a.emulator,
    postgres,
    redis: b.redis - a.redis,
  };
}

export type CpuUse = ReturnType<typeof cpuBetween>;

/** `workers 12.3 s, emulator 4.5 s, PostgreSQL 6.7 s, Redis 0.8 s`. */
export function cpuText(use: CpuUse): string {
  const s = (x: number) => `${x.toFixed(1)} s`;
  return `workers ${s(use.workers)}, emulator ${s(use.emulator)}, PostgreSQL ${s(use.postgres)}, Redis ${s(use.redis)}`;
}

export interface BenchCluster {
  emulator: EmulatorHandle;
  tdb: TestDatabase;
  redisServer: RedisServer;
  /** A client of the bench's redis-server (no prefix). */
  redis: Redis;
  queue: Queue<WindowJobData>;
  /** The environment of a product process (worker, command) of this cluster. */
  env: Record<string, string>;
  workers: WorkerProcessHandle[];
  startWorkers(count: number, concurrency: number): Promise<void>;
  cpu(): Promise<CpuReading>;
  /** The emulator's request counts (over HTTP, as an operator would read them). */
  stats(): Promise<StatsSnapshot>;
  close(): Promise<void>;
}

export async function startCluster(
  emulatorOptions: EmulatorOptions,
  env: Record<string, string> = {},
): Promise<BenchCluster> {
  const emulator = await spawnEmulator(emulatorOptions);
  const tdb = await createTestDatabase();
  const redisServer = await RedisServer.start();
  const redis = new Redis(redisServer.url);
  const prefix = uniquePrefix('bench');
  const clusterEnv = {
    ...emulatorEnv(emulator.url, tdb.url, redisServer.url, prefix, emulator.realmIds[0] as string),
    QBO_CLIENT_ID: emulator.clientId,
    QBO_CLIENT_SECRET: emulator.clientSecret,
    QBO_REFRESH_TOKEN: emulator.refreshToken,
    ...env,
  };
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: redisServer.url }, prefix });
  const workers: WorkerProcessHandle[] = [];
  return {
    emulator,
    tdb,
    redisServer,
    redis,
    queue,
    env: clusterEnv,
    workers,
    async startWorkers(count, concurrency) {
      const started = await Promise.all(
        Array.from({ length: count }, () => spawnWorkerProcess(clusterEnv, concurrency)),
      );
      workers.push(...started);
    },
    async cpu() {
      return {
        workers: workers.reduce((n, w) => n + cpuSeconds(w.pid), 0),
        emulator: cpuSeconds(emulator.pid),
        postgres: await backendCpu(tdb),
        redis: (await redisUse(redis)).cpu,
      };
    },
    async stats() {
      const res = await fetch(`${emulator.url}/__emulator/stats`);
      return (await res.json()) as StatsSnapshot;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      redis.disconnect();
      await redisServer.destroy();
      await emulator.close();
      await tdb.drop();
    },
  };
}

/** Requests answered to `realms`, by HTTP status, summed. */
export function answered(stats: StatsSnapshot, realms: readonly string[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const realm of realms)
    for (const [status, n] of Object.entries(stats.realms[realm]?.requests ?? {}))
      sum[status] = (sum[status] ?? 0) + n;
  return sum;
}
