/**
 * Slots move between processes: when a request ends in one process (told through Redis, not
 * found by a heartbeat), and when a process dies holding slots (they come back through the job
 * expiration, announced by the heartbeat). Asserted as orderings on one machine clock and counts,
 * never as durations.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RealmRateLimiter } from '../../src/qbo/rate-limit/rate-limiter.js';
import { applyBottleneckRedis7Patch } from '../../src/qbo/rate-limit/bottleneck-redis7.js';
import { RateLimiterError } from '../../src/qbo/rate-limit/rate-limiter-error.js';
import { deletePrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { LimiterChild } from './children.js';
import { maxConcurrency, now, type Interval } from './measure.js';
import { within } from '../helpers/within.js';
import { limiterOptions, sleep } from './util.js';

// This process makes rate limiters: Bottleneck's Redis 7 fix first, as every process does at start.
applyBottleneckRedis7Patch();

const REALM = '123146096291789';

void describe('slots across processes', () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await deletePrefix(prefix);
  });

  void test("a request queued in this process starts when another process's request ends, told by Redis", async () => {
    // Heartbeats 10 minutes apart: only the capacity message the other process publishes when its
    // request ends can start the one queued here within the test's wait.
    const options = limiterOptions('rl-handoff', { heartbeatIntervalMs: 600_000 }, prefixes);
    const child = await LimiterChild.start(options);
    const local = new RealmRateLimiter(options);
    try {
      child.send({ type: 'run', tag: 'a', realmId: REALM, jobs: 1, durationMs: 700 });
      await child.next((m) => m.type === 'start', 10_000);
      let startedAt = 0;
      const job = local.schedule(REALM, () => {
        startedAt = now();
        return Promise.resolve();
      });
      const aEnd = await child.next((m) => m.type === 'end', 10_000);
      await within(job, 30_000, 'the request queued behind the other process');
      const gap = startedAt - aEnd.end!;
      console.log(`handoff: started ${Math.round(gap)} ms after the other process's request ended`);
      assert.ok(gap >= 0, 'must not start while the only slot is held elsewhere');
    } finally {
      await Promise.allSettled([child.close(), local.close()]);
    }
  });

  void test('a process killed while holding every slot blocks the others only until expiration', async () => {
    // Scaled down: requests expire after 1.5 s, a silent process is dropped after 1 s.
    const options = limiterOptions(
      'rl-crash',
      { maxConcurrent: 2, expirationMs: 1500, clientTimeoutMs: 1000 },
      prefixes,
    );
    const { prefix } = options;
    const child = await LimiterChild.start(options);
    const local = new RealmRateLimiter(options);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      child.send({ type: 'hold', tag: 'h', realmId: REALM, jobs: 2 });
      await child.count((m) => m.type === 'start', 2, 10_000);
      // When the holder's slots expire, as Bottleneck recorded it (machine clock, ms).
      const expirations = (
        await redis.zrange(`${prefix}:b_${prefix}.limiter.${REALM}_job_expirations`, 0, -1, 'WITHSCORES')
      )
        .filter((_, i) => i % 2 === 1)
        .map(Number);
      assert.equal(expirations.length, 2, 'both slots held by the process about to die');
      await child.kill();
      const intervals: Interval[] = [];
      await within(
        Promise.all(
          Array.from({ length: 4 }, () =>
            local.schedule(REALM, async () => {
              const start = now();
              await sleep(100);
              intervals.push({ start, end: now() });
            }),
          ),
        ),
        15_000,
        'requests behind the dead process',
      );
      const firstStart = Math.min(...intervals.map((i) => i.start));
      const afterExpiry = firstStart - Math.min(...expirations);
      console.log(
        `crash: first request started ${Math.round(afterExpiry)} ms after the dead process's slots expired`,
      );
      assert.equal(intervals.length, 4);
      // The slots were really held: nothing started before the first of them expired. An ordering
      // on one clock, whatever the machine's speed; that they come back at all is the wait above.
      assert.ok(afterExpiry >= 0, `started ${afterExpiry} ms after the slots expired`);
      assert.ok(maxConcurrency(intervals) <= 2);
    } finally {
      redis.disconnect();
      await Promise.allSettled([child.kill(), local.close()]);
    }
  });

  void test('a request over expirationMs rejects with EXPIRED and gives its slot back', async () => {
    const limiter = new RealmRateLimiter(limiterOptions('rl-exp', { expirationMs: 500 }, prefixes));
    try {
      // The slow request runs until the test lets it end: long past its expiration, by construction.
      let slowEnded = 0;
      let finishSlow = (): void => undefined;
      const slowFinished = new Promise<void>((resolve) => (finishSlow = resolve));
      const slow = limiter.schedule(REALM, async () => {
        await slowFinished;
        slowEnded = now();
        return 'late';
      });
      const error = await within(slow, 5_000, 'slow request').then(
        () => assert.fail('expected EXPIRED'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RateLimiterError);
      assert.equal(error.code, 'EXPIRED');
      let nextStarted = 0;
      await within(
        limiter.schedule(REALM, () => {
          nextStarted = now();
          return Promise.resolve();
        }),
        5_000,
        'next request',
      );
      assert.equal(slowEnded, 0, 'the next request got the slot while the expired one was still running');
      assert.ok(nextStarted > 0);
      finishSlow(); // only now, before closing
    } finally {
      await limiter.close();
    }
  });
});
