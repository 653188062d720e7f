/**
 * Which webhook events the product has already taken, so that a delivery Intuit repeats (it does:
 * on a slow answer, on its own retries) makes no cycle. One Redis key per event under the
 * deployment's prefix, expiring after a day: Intuit stops retrying long before that, and a key per
 * event never outlives its use. On a Redis Cluster the keys share one hash tag: one MGET reads a
 * delivery's events.
 */
import { createHash } from 'node:crypto';
import { keyRoot, type ClientKind, type RedisClient } from '../infra/redis.js';

/** The key of one event (hashed: event ids are Intuit's text, and keys stay one short length). */
export function seenKey(redis: ClientKind, prefix: string, eventKey: string): string {
  return `${keyRoot(redis, prefix, 'webhooks')}:seen:${createHash('sha256').update(eventKey).digest('hex')}`;
}

/** Those of `eventKeys` already marked seen. */
export async function findSeen(
  redis: RedisClient,
  prefix: string,
  eventKeys: string[],
): Promise<Set<string>> {
  if (eventKeys.length === 0) return new Set();
  const values = await redis.mget(...eventKeys.map((k) => seenKey(redis, prefix, k)));
  return new Set(eventKeys.filter((_, i) => values[i] !== null));
}

/** Marks events seen for `ttlSeconds` (`SET key 1 NX EX`: an earlier mark keeps its expiry). */
export async function markSeen(
  redis: RedisClient,
  prefix: string,
  eventKeys: string[],
  ttlSeconds: number,
): Promise<void> {
  if (eventKeys.length === 0) return;
  const pipeline = redis.pipeline();
  for (const k of eventKeys) pipeline.set(seenKey(redis, prefix, k), '1', 'EX', ttlSeconds, 'NX');
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err !== null)?.[0];
  if (failed) throw failed;
}
