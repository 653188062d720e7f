/**
 * Slots move between processes promptly: when a request ends in one process, and when a process
 * dies holding slots (they come back through the job expiration, announced by the heartbeat).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RealmRateLimiter, type RateLimiterOptions } from '../../src/workers/rate-limiter.js';
import { RateLimiterError } from '../../src/workers/rate-limit/rate-limiter-error.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { LimiterChild } from './children.js';
import { maxConcurrency, now, type Interval } from './measure.js';
import { within } from '../helpers/within.js';
import { sleep } from './util.js';

const REALM = '123146096291789';

void describe('slots across processes', () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await deletePrefix(prefix);
  });

  void test("a request queued in this process starts promptly when another process's request ends", async () => {
    const prefix = uniquePrefix('rl-handoff');
    prefixes.push(prefix);
    const options: RateLimiterOptions = {
      redisUrl: TEST_REDIS_URL,
      prefix,
      requestsPerMinute: 100,
      maxConcurrent: 1,
      windowMs: 1000,
    };
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
      await job;
      const gap = startedAt - aEnd.end!;
      console.log(`handoff: started ${Math.round(gap)} ms after the other process's request ended`);
      assert.ok(gap >= 0, 'must not start while the only slot is held elsewhere');
      assert.ok(gap < 2_000, `started ${gap} ms after the slot was freed`);
    } finally {
      await Promise.allSettled([child.close(), local.close()]);
    }
  });

  void test('a process killed while holding every slot blocks the others only until expiration', async () => {
    const prefix = uniquePrefix('rl-crash');
    prefixes.push(prefix);
    // Scaled down: requests expire after 1.5 s, a silent process is dropped after 1 s.
    const options: RateLimiterOptions = {
      redisUrl: TEST_REDIS_URL,
      prefix,
      requestsPerMinute: 100,
      maxConcurrent: 2,
      windowMs: 1000,
      expirationMs: 1500,
      clientTimeoutMs: 1000,
    };
    const child = await LimiterChild.start(options);
    const local = new RealmRateLimiter(options);
    try {
      child.send({ type: 'hold', tag: 'h', realmId: REALM, jobs: 2 });
      const holds = await child.count((m) => m.type === 'start', 2, 10_000);
      await child.kill();
      const firstHoldStart = Math.min(...holds.map((m) => m.t!));
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
      const afterHold = firstStart - firstHoldStart;
      console.log(
        `crash: first request started ${Math.round(afterHold)} ms after the dead process took the slots`,
      );
      assert.equal(intervals.length, 4);
      // The slots were really held: nothing started before the first of the holder's requests
      // expired (1.5 s after it was reserved; 300 ms of slack for a start lagging its reservation)...
      assert.ok(afterHold >= 1500 - 300, `started ${afterHold} ms after the slots were taken`);
      // ...and came back within ~one heartbeat after expiring (Bottleneck's default 5 s heartbeat
      // could leave them idle up to 5 s longer).
      assert.ok(afterHold < 1500 + 2_000, `started ${afterHold} ms after the slots were taken`);
      assert.ok(maxConcurrency(intervals) <= 2);
    } finally {
      await Promise.allSettled([child.kill(), local.close()]);
    }
  });

  void test('a request over expirationMs rejects with EXPIRED and gives its slot back', async () => {
    const prefix = uniquePrefix('rl-exp');
    prefixes.push(prefix);
    const limiter = new RealmRateLimiter({
      redisUrl: TEST_REDIS_URL,
      prefix,
      requestsPerMinute: 100,
      maxConcurrent: 1,
      windowMs: 1000,
      expirationMs: 500,
    });
    try {
      let slowEnded = 0;
      const slow = limiter.schedule(REALM, async () => {
        await sleep(2000);
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
      await sleep(1600); // let the slow function finish before closing
    } finally {
      await limiter.close();
    }
  });
});
