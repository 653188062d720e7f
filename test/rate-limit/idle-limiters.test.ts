import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RealmRateLimiter } from '../../src/qbo/rate-limit/rate-limiter.js';
import { applyBottleneckRedis7Patch } from '../../src/qbo/rate-limit/bottleneck-redis7.js';
import { waitFor } from '../helpers/cli.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

// This process makes rate limiters: Bottleneck's Redis 7 fix first, as every process does at start.
applyBottleneckRedis7Patch();

/** Limiters live while their realm is in use: an idle realm costs no heartbeat and no subscription. */
describe('idle realm limiters', () => {
  const prefix = uniquePrefix('idle');
  const limiter = new RealmRateLimiter({
    redisUrl: TEST_REDIS_URL,
    prefix,
    requestsPerMinute: 600,
    maxConcurrent: 5,
    idleMs: 200,
  });
  after(async () => {
    await limiter.close();
    await limiter.close();
    await deletePrefix(prefix);
  });

  it('are dropped once idle and created again on the next request', async () => {
    const realms = ['501', '502', '503'];
    assert.deepEqual(
      await Promise.all(realms.map((r) => limiter.schedule(r, () => Promise.resolve(r)))),
      realms,
    );
    await waitFor(
      () => Promise.resolve(limiter.liveRealms === 0 ? true : undefined),
      10_000,
      'limiters dropped',
    );
    assert.equal(await limiter.schedule('502', () => Promise.resolve('again')), 'again');
    // The budget recorded in Redis outlived the dropped limiter: the realm's state is still there.
    assert.ok((await limiter.expectedWaitMs('502')) >= 0);
  });
});
