/**
 * The `thousand` benchmark (see realms.ts): 1,000 realms in one process, Redis commands/s while
 * their limiters live and once they are dropped as idle, Redis memory per idle realm; then the
 * enqueue of 1,000 realms x 3 entities x 30 days (own redis-server, so nothing else is counted).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RealmRateLimiter } from '../src/qbo/rate-limit/rate-limiter.js';
import { applyBottleneckRedis7Patch } from '../src/qbo/rate-limit/bottleneck-redis7.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { RedisServer } from '../test/rate-limit/redis-server.js';
import { enqueueMeasured, redisUsedBytes } from './cluster.js';
import { dayPlan } from './lib.js';

// This process makes rate limiters: Bottleneck's Redis 7 fix first, as every process does at start.
applyBottleneckRedis7Patch();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => `load ${os.loadavg()[0]?.toFixed(1)}`;
const ENTITIES = ['invoices', 'customers', 'items'];

async function commandCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) total += Number(m[1]);
  return total;
}

/** Commands per second on the server over `ms`, minus the INFO calls that measure them. */
async function commandsPerSecond(redis: Redis, ms: number): Promise<number> {
  const c0 = await commandCalls(redis);
  await sleep(ms);
  const c1 = await commandCalls(redis);
  return (c1 - c0 - 1) / (ms / 1000);
}

export async function benchThousand(): Promise<string[]> {
  const server = await RedisServer.start();
  const redis = new Redis(server.url);
  const rows: string[] = [];
  try {
    const realms = Array.from({ length: 1000 }, (_, i) => String(8_000_001 + i));
    const limiter = new RealmRateLimiter({
      redisUrl: server.url,
      prefix: 'bench-k',
      requestsPerMinute: 500,
      maxConcurrent: 10,
      idleMs: 20_000,
    });
    const mem0 = await redisUsedBytes(redis);
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    await Promise.all(realms.map((r) => limiter.schedule(r, () => Promise.resolve())));
    const tFirst = Math.round(performance.now() - t0);
    const live = await commandsPerSecond(redis, 5_000);
    const heapLive = (process.memoryUsage().heapUsed - heap0) / realms.length;
    rows.push(
      `| 1,000 realms, one request each from one process (own redis-server) | first request of all 1,000 in ${tFirst} ms; ` +
        `${limiter.liveRealms} live limiters: ${Math.round(live)} Redis commands/s (nothing waits for capacity: one heartbeat each every 10 s, to stay counted alive), ~${Math.round(heapLive / 1024)} KiB heap each | ${load()} |`,
    );
    // The limiters are dropped once idle for 20 s (checked every 10 s).
    while (limiter.liveRealms > 0) await sleep(1_000);
    await sleep(1_000);
    const idle = await commandsPerSecond(redis, 5_000);
    const memIdle = (await redisUsedBytes(redis)) - mem0;
    rows.push(
      `| the same 1,000 realms idle (limiters dropped) | ${limiter.liveRealms} live limiters: ${idle.toFixed(1)} Redis commands/s; ` +
        `Redis memory ${(memIdle / 1024 / 1024).toFixed(1)} MiB = ${Math.round(memIdle / realms.length)} bytes per idle realm (kept for an idle hour) | ${load()} |`,
    );
    await limiter.close();

    // Enqueue 1,000 realms x 3 entities x 30 days.
    const tdb = await createTestDatabase();
    try {
      const { jobs, ms, bytes } = await enqueueMeasured(
        redis,
        server.url,
        'bench-q',
        tdb.db,
        (function* () {
          for (const realmId of realms)
            yield dayPlan(
              realmId,
              ENTITIES,
              new Date('2026-01-01T00:00:00Z'),
              new Date('2026-01-31T00:00:00Z'),
              {
                startAt: new Date(Date.now() + 3_600_000),
              },
            );
        })(),
      );
      const t = Math.round(ms);
      rows.push(
        `| enqueue 1,000 realms x 3 entities x 30 days, one run each | ${jobs} jobs in ${(t / 1000).toFixed(1)} s (${Math.round(jobs / (t / 1000))} jobs/s); ` +
          `Redis +${(bytes / 1024 / 1024).toFixed(0)} MiB (${Math.round(bytes / jobs)} bytes/job) | ${load()} |`,
      );
    } finally {
      await tdb.drop();
    }
  } finally {
    redis.disconnect();
    await server.destroy();
  }
  return rows;
}
