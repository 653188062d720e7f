/**
 * A live limiter runs its heartbeat script only when one is of use: while jobs of its process wait
 * for capacity, and to stay counted alive. Counted in Redis's own command statistics, on a server of
 * this test's own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RealmRateLimiter } from '../../src/qbo/rate-limit/rate-limiter.js';
import { applyBottleneckRedis7Patch, heartbeatDue } from '../../src/qbo/rate-limit/bottleneck-redis7.js';
import { uniquePrefix } from '../helpers/redis.js';
import { RedisServer } from './redis-server.js';

applyBottleneckRedis7Patch();

describe('heartbeatDue', () => {
  const base = { clientTimeoutMs: 30_000, now: 100_000 };
  it('ticks while jobs wait for capacity, however recent the last script', () => {
    assert.equal(heartbeatDue({ ...base, queued: 1, lastScriptAt: 99_999 }), true);
  });
  it('otherwise only once a third of clientTimeout has passed without a script', () => {
    assert.equal(heartbeatDue({ ...base, queued: 0, lastScriptAt: 100_000 - 9_999 }), false);
    assert.equal(heartbeatDue({ ...base, queued: 0, lastScriptAt: 100_000 - 10_000 }), true);
    assert.equal(heartbeatDue({ ...base, queued: 0, lastScriptAt: undefined }), true);
  });
});

describe('heartbeats of live limiters', () => {
  let server: RedisServer;
  let redis: Redis;
  const limiters: RealmRateLimiter[] = [];
  before(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  after(async () => {
    await Promise.all(limiters.map((l) => l.close()));
    redis.disconnect();
    await server.destroy();
  });
  const limiter = (options: { maxConcurrent: number; clientTimeoutMs: number }) => {
    const made = new RealmRateLimiter({
      redisUrl: server.url,
      prefix: uniquePrefix('beats'),
      requestsPerMinute: 6000,
      heartbeatIntervalMs: 20,
      ...options,
    });
    limiters.push(made);
    return made;
  };
  const scripts = async () =>
    Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);

  it('a live limiter with nothing queued runs no heartbeat script', async () => {
    const l = limiter({ maxConcurrent: 5, clientTimeoutMs: 30_000 });
    for (const realm of ['601', '602', '603']) await l.schedule(realm, () => Promise.resolve(realm));
    await sleep(100); // the last job's free settles
    const before = await scripts();
    await sleep(1000); // about 50 ticks of each of 3 limiters
    assert.equal(l.liveRealms, 3);
    assert.equal((await scripts()) - before, 0);
  });

  it('a limiter whose jobs wait for capacity ticks, and one silent for a third of clientTimeout says it is alive', async () => {
    const l = limiter({ maxConcurrent: 1, clientTimeoutMs: 600 });
    let release: () => void = () => undefined;
    const holding = l.schedule('611', () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(100);
    const waiting = l.schedule('611', () => Promise.resolve('ran'));
    await sleep(100);
    const before = await scripts();
    await sleep(400);
    const whileQueued = (await scripts()) - before;
    release();
    await holding;
    assert.equal(await waiting, 'ran');
    // 20 ms ticks for 400 ms while the second job waits: most of the 20 run their script.
    assert.ok(whileQueued >= 5, `${whileQueued} scripts while a job waited`);

    await sleep(100);
    const idleBefore = await scripts();
    await sleep(1000);
    // Nothing queued: a liveness heartbeat every 200 ms at most (a third of 600), not every 20 ms.
    const idle = (await scripts()) - idleBefore;
    assert.ok(idle >= 1 && idle <= 6, `${idle} scripts in a second with nothing queued`);
  });
});
