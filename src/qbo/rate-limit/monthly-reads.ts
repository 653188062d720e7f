/**
 * QBO reads per realm and UTC month, counted where every request passes: the shared limiter.
 *
 * Intuit meters an app's reads per month (500,000 on the free tier, `QBO_MONTHLY_READ_QUOTA`) on
 * top of the per-realm minute budget. Each request the limiter starts adds one to the realm's
 * field of a hash per month (`<prefix>:reads:<YYYY-MM>`), which `status` reads back. The hash
 * expires some weeks after its month, so the deployment keeps only recent months.
 */
import type { RedisClient } from '../../infra/redis.js';

/** A month's hash is kept about this long after it was last written (a month and some). */
const KEEP_SECONDS = 40 * 86_400;

/**
 * How often one client renews a month hash's expiry: renewing it with every request (a MULTI of
 * HINCRBY and EXPIRE) cost Redis four commands per request where one does; an hour is nothing
 * against the 40 days it is kept.
 */
const RENEW_EXPIRY_MS = 3_600_000;

/** When each client last set each month hash's expiry (epoch ms), by key. */
const expirySetAt = new WeakMap<RedisClient, Map<string, number>>();

/** `YYYY-MM` of an instant, in UTC. */
export function utcMonth(now: Date): string {
  return now.toISOString().slice(0, 7);
}

/** The month's hash, relative to the deployment's key prefix. */
export function monthlyReadsKey(now: Date): string {
  return `reads:${utcMonth(now)}`;
}

/**
 * Adds one read for the realm (a client whose keyPrefix is the deployment's `<prefix>:`): one
 * HINCRBY, with the hash's expiry set on the client's first count of the month and renewed hourly.
 */
export async function countRead(client: RedisClient, realmId: string, now = new Date()): Promise<void> {
  const key = monthlyReadsKey(now);
  let setAt = expirySetAt.get(client);
  if (!setAt) expirySetAt.set(client, (setAt = new Map<string, number>()));
  const last = setAt.get(key);
  if (last !== undefined && now.getTime() - last < RENEW_EXPIRY_MS) {
    await client.hincrby(key, realmId, 1);
    return;
  }
  await client.multi().hincrby(key, realmId, 1).expire(key, KEEP_SECONDS).exec();
  setAt.clear(); // only the current month's hash is written to
  setAt.set(key, now.getTime());
}

/** Reads per realm this UTC month (a client without keyPrefix). */
export async function readsThisMonth(
  redis: Pick<RedisClient, 'hgetall'>,
  prefix: string,
  now = new Date(),
): Promise<Record<string, number>> {
  const raw = await redis.hgetall(`${prefix}:${monthlyReadsKey(now)}`);
  return Object.fromEntries(Object.entries(raw).map(([realm, n]) => [realm, Number(n)]));
}
