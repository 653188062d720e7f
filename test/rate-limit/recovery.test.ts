/**
 * Recovery of the shared limiter state on Redis 7: lost keys, a Redis restart, a long outage.
 * Bottleneck 2.19.5 alone never recovers here (the control test shows why); the product's fix does.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RealmRateLimiter } from '../../src/qbo/rate-limit/rate-limiter.js';
import { RateLimiterUnavailableError } from '../../src/qbo/rate-limit/rate-limiter-error.js';
import {
  applyBottleneckRedis7Patch,
  isBottleneckRedis7PatchApplied,
  normaliseScriptErrorMessage,
} from '../../src/qbo/rate-limit/bottleneck-redis7.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { RedisServer } from './redis-server.js';
import { compiled } from '../helpers/compiled.js';
import { now } from './measure.js';
import { within } from '../helpers/within.js';
import { limiterOptions, sleep } from './util.js';

// This process makes rate limiters: Bottleneck's Redis 7 fix first, as every process does at start.
applyBottleneckRedis7Patch();

const REALM = '4620816365000000';

void describe('Redis 7 recovery', () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) {
      await deletePrefix(prefix);
      await deletePrefix(`b_${prefix}`);
    }
  });

  void test('Redis 7 prefixes Bottleneck error replies with ERR; the fix normalises them', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const error = await redis.eval("return redis.error_reply('SETTINGS_KEY_NOT_FOUND')", 0).then(
        () => assert.fail('expected an error reply'),
        (e: Error) => e,
      );
      assert.equal(error.message, 'ERR SETTINGS_KEY_NOT_FOUND');
    } finally {
      redis.disconnect();
    }
    assert.equal(normaliseScriptErrorMessage('ERR SETTINGS_KEY_NOT_FOUND'), 'SETTINGS_KEY_NOT_FOUND');
    assert.equal(normaliseScriptErrorMessage('SETTINGS_KEY_NOT_FOUND'), 'SETTINGS_KEY_NOT_FOUND');
    assert.equal(normaliseScriptErrorMessage('ERR UNKNOWN_CLIENT'), 'UNKNOWN_CLIENT');
    assert.equal(normaliseScriptErrorMessage('ERR OVERWEIGHT:2:1'), 'OVERWEIGHT:2:1');
    assert.equal(
      normaliseScriptErrorMessage('ERR wrong number of arguments'),
      'ERR wrong number of arguments',
    );
    assert.equal(normaliseScriptErrorMessage('ERR UNKNOWN_CLIENT_X'), 'ERR UNKNOWN_CLIENT_X');
    assert.equal(isBottleneckRedis7PatchApplied(), true);
  });

  void test('control: unpatched Bottleneck fails every schedule() once its keys are lost', async () => {
    const prefix = uniquePrefix('rl-ctl');
    prefixes.push(prefix);
    const script = fileURLToPath(new URL('./fixtures/unpatched-bottleneck.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [compiled(script), TEST_REDIS_URL, `${prefix}.limiter.${REALM}`],
      { timeout: 30_000 },
    );
    const result = JSON.parse(stdout.trim()) as { first: string; second: { ok: boolean; error?: string } };
    assert.equal(result.first, 'first');
    assert.deepEqual(result.second, { ok: false, error: 'ERR SETTINGS_KEY_NOT_FOUND' });
  });

  void test('keys deleted while requests run and wait: every schedule() still completes', async () => {
    const options = limiterOptions('rl-flush', { requestsPerMinute: 50, maxConcurrent: 2 }, prefixes);
    const { prefix } = options;
    const limiter = new RealmRateLimiter(options);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      let started = 0;
      const jobs = Array.from({ length: 8 }, (_, i) =>
        limiter.schedule(REALM, async () => {
          started++;
          await sleep(150);
          return i;
        }),
      );
      while (started === 0) await sleep(10);
      assert.ok((await redis.keys(`${prefix}:b_${prefix}.limiter.${REALM}_*`)).length > 0);
      await deletePrefix(prefix); // mid-run: 2 running, 6 queued
      await sleep(400);
      await deletePrefix(prefix); // and again
      assert.deepEqual(await within(Promise.all(jobs), 15_000, '8 requests'), [0, 1, 2, 3, 4, 5, 6, 7]);
      await deletePrefix(prefix);
      const later = await within(
        Promise.all([1, 2, 3].map((n) => limiter.schedule(REALM, () => Promise.resolve(n * 10)))),
        10_000,
        'requests after the flush',
      );
      assert.deepEqual(later, [10, 20, 30]);
      // The state was re-created under the prefix.
      assert.ok((await redis.exists(`${prefix}:b_${prefix}.limiter.${REALM}_settings`)) === 1);
    } finally {
      redis.disconnect();
      await limiter.close();
    }
  });

  void test('a request queued behind a slot that will never free itself resumes when the keys are lost', async () => {
    // Process A holds the only slot (its request never ends, expiration is 60 s); B's request waits.
    // Deleting the keys forgets A's slot; only B's heartbeat can notice, re-create the state and
    // announce capacity (Bottleneck alone ignores missing keys in heartbeats).
    const options = limiterOptions('rl-hb', { expirationMs: 60_000 }, prefixes);
    const { prefix } = options;
    const a = new RealmRateLimiter(options);
    const b = new RealmRateLimiter(options);
    let releaseA = (): void => undefined;
    try {
      let aStarted = false;
      void a
        .schedule(REALM, () => {
          aStarted = true;
          return new Promise<void>((resolve) => (releaseA = resolve));
        })
        .catch(() => undefined);
      while (!aStarted) await sleep(10);
      let bStartedAt = 0;
      const bJob = b.schedule(REALM, () => {
        bStartedAt = now();
        return Promise.resolve('b');
      });
      await sleep(1000);
      assert.equal(bStartedAt, 0, 'B must wait while A holds the only slot');
      const deletedAt = now();
      await deletePrefix(prefix);
      // Left alone, B would wait for A's slot to expire (60 s): starting well before shows the
      // heartbeat re-created the state. A bound on the wait only, with room for a slow machine.
      assert.equal(await within(bJob, 30_000, "B's request"), 'b');
      console.log(`B started ${Math.round(bStartedAt - deletedAt)} ms after the keys were deleted`);
      assert.ok(bStartedAt >= deletedAt, 'B started only once the keys were gone');
    } finally {
      releaseA(); // only now: A's slot is never freed by A itself during the test
      await Promise.all([a.close(), b.close()]);
    }
  });

  void test('Redis restart: requests queued or issued during the restart complete, later ones too', async () => {
    const server = await RedisServer.start();
    const limiter = new RealmRateLimiter(limiterOptions('rl-restart', { redisUrl: server.url }));
    try {
      assert.equal(await limiter.schedule(REALM, () => Promise.resolve('before')), 'before');
      // One request holds the only slot across the restart, one waits behind it.
      let holdingStarted = false;
      const holding = limiter.schedule(REALM, async () => {
        holdingStarted = true;
        await sleep(1500);
        return 'held';
      });
      const waiting = limiter.schedule(REALM, () => Promise.resolve('waited'));
      while (!holdingStarted) await sleep(10);
      await server.kill();
      const duringOutage = limiter.schedule(REALM, () => Promise.resolve('issued while down'));
      await sleep(500);
      await server.restart();
      const restartedAt = now();
      const results = await within(Promise.all([holding, waiting, duringOutage]), 15_000, 'requests');
      assert.deepEqual(results, ['held', 'waited', 'issued while down']);
      assert.equal(
        await within(
          limiter.schedule(REALM, () => Promise.resolve('after')),
          10_000,
          'request',
        ),
        'after',
      );
      console.log(`restart: all requests done ${Math.round(now() - restartedAt)} ms after Redis came back`);
    } finally {
      await limiter.close();
      await server.kill();
    }
  });

  void test('Redis gone for good: waiting and new requests reject with UNAVAILABLE in bounded time', async () => {
    const server = await RedisServer.start();
    const limiter = new RealmRateLimiter(
      limiterOptions('rl-down', { redisUrl: server.url, unavailableTimeoutMs: 1500 }),
    );
    try {
      let runningStarted = false;
      const running = limiter.schedule(REALM, async () => {
        runningStarted = true;
        await sleep(800);
        return 'finished anyway';
      });
      let waitingRan = false;
      const waiting = limiter.schedule(REALM, () => {
        waitingRan = true;
        return Promise.resolve();
      });
      while (!runningStarted) await sleep(10);
      await server.kill();
      const killedAt = now();
      const issued = limiter.schedule(REALM, () => Promise.resolve('never'));
      // A request already running settles with its own outcome.
      assert.equal(await within(running, 5_000, 'running request'), 'finished anyway');
      const [w, n] = await within(
        Promise.allSettled([waiting, issued]),
        20_000,
        'requests while Redis is down',
      );
      const elapsed = now() - killedAt;
      for (const r of [w, n]) {
        assert.equal(r.status, 'rejected');
        assert.ok(r.reason instanceof RateLimiterUnavailableError);
        assert.equal(r.reason.code, 'UNAVAILABLE');
      }
      assert.equal(waitingRan, false);
      console.log(`outage: both requests rejected UNAVAILABLE within ${Math.round(elapsed)} ms`);
    } finally {
      await within(limiter.close(), 5_000, 'close()');
      await server.kill();
    }
  });
});
