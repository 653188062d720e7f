/**
 * QBO reads per realm and UTC month, counted where every request passes: the shared limiter.
 *
 * Intuit meters an app's reads per month (500,000 on the free tier, `QBO_MONTHLY_READ_QUOTA`) on
 * top of the per-realm minute budget. Each request the limiter starts adds one to the realm's
 * field of a hash per month (`<prefix>:reads:<YYYY-MM>`), which `status` reads back. The hash
 * expires some weeks after its month, so the deployment keeps only recent months.
 */
import type { Redis } from 'ioredis';

/** A month's hash is kept this long after it was last written (a month and some). */
const KEEP_SECONDS = 40 * 86_400;

/** `YYYY-MM` of an instant, in UTC. */
export function utcMonth(now: Date): string {
  return now.toISOString().slice(0, 7);
}

/** The month's hash, relative to the deployment's key prefix. */
export function monthlyReadsKey(now: Date): string {
  return `reads:${utcMonth(now)}`;
}

/** Adds one read for the realm (a client whose keyPrefix is the deployment's `<prefix>:`). */
export async function countRead(client: Redis, realmId: string, now = new Date()): Promise<void> {
  const key = monthlyReadsKey(now);
  await client.multi().hincrby(key, realmId, 1).expire(key, KEEP_SECONDS).exec();
}

/** Reads per realm this UTC month (a client without keyPrefix). */
export async function readsThisMonth(
  redis: Pick<Redis, 'hgetall'>,
  prefix: string,
  now = new Date(),
): Promise<Record<string, number>> {
  const raw = await redis.hgetall(`${prefix}:${monthlyReadsKey(now)}`);
  return Object.fromEntries(Object.entries(raw).map(([realm, n]) => [realm, Number(n)]));
}
