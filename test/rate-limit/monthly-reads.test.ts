import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { countRead, monthlyReadsKey, readsThisMonth } from '../../src/qbo/rate-limit/monthly-reads.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

/** The monthly read counter: one HINCRBY per request, the hash's expiry set once and renewed hourly. */
void describe('monthly read counter', () => {
  const prefix = uniquePrefix('reads');
  const client = new Redis(TEST_REDIS_URL, { keyPrefix: `${prefix}:` });
  const plain = new Redis(TEST_REDIS_URL);
  after(async () => {
    client.disconnect();
    plain.disconnect();
    await deletePrefix(prefix);
  });

  void it('counts every read per realm and keeps the month about 40 days after its last write', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const key = `${prefix}:${monthlyReadsKey(now)}`;
    for (let i = 0; i < 3; i++) await countRead(client, 'r1', now);
    await countRead(client, 'r2', now);
    assert.deepEqual(await readsThisMonth(plain, prefix, now), { r1: 3, r2: 1 });
    const ttl = await plain.ttl(key);
    assert.ok(ttl > 39 * 86_400 && ttl <= 40 * 86_400, `ttl ${ttl}`);

    // Within the hour the expiry is not written again; an hour later it is renewed.
    await plain.expire(key, 1_000);
    await countRead(client, 'r1', new Date(now.getTime() + 59 * 60_000));
    assert.ok((await plain.ttl(key)) <= 1_000);
    await countRead(client, 'r1', new Date(now.getTime() + 60 * 60_000));
    assert.ok((await plain.ttl(key)) > 39 * 86_400);
    assert.deepEqual(await readsThisMonth(plain, prefix, now), { r1: 5, r2: 1 });
  });
});
