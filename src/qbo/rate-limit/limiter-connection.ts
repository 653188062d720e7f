/** The one Redis client and subscriber every realm limiter of a process shares: opened, closed. */
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { RedisCluster } from '../../config/config.js';
import { connectRedis, type ConnectionOptions, type RedisClient } from '../../infra/redis.js';
import { withTimeout } from '../../infra/with-timeout.js';

/** Where the shared connection goes and whom it tells about Redis coming and going. */
export interface LimiterConnectionOptions {
  prefix: string;
  redisUrl: string;
  redisCluster: RedisCluster | undefined;
  onUp: () => void;
  onDown: () => void;
  onError: (error: unknown) => void;
}

/** One Redis client and one subscriber for every realm's limiter of the process. */
export function openLimiterConnection(options: LimiterConnectionOptions): {
  client: RedisClient;
  connection: Bottleneck.IORedisConnection;
} {
  const clientOptions: ConnectionOptions = {
    // Bottleneck names its keys `b_<id>_*`; the prefix makes them `<prefix>:b_<id>_*` so the
    // deployment's keys all start with its prefix (pub/sub channels are not prefixed, which is
    // why the prefix is also part of the limiter id).
    keyPrefix: `${options.prefix}:`,
    // Bounded: a command issued while Redis is down fails after ~5 s instead of hanging.
    maxRetriesPerRequest: 10,
    retryStrategy: (times: number) => Math.min(100 * times, 1_000),
    // A Redis that accepts connections but never answers must not hang callers either.
    commandTimeout: 15_000,
    connectionName: `${options.prefix}-rate-limiter`,
  };
  const client = connectRedis(
    { redisUrl: options.redisUrl, redisCluster: options.redisCluster },
    clientOptions,
  );
  client.on('ready', options.onUp);
  client.on('close', options.onDown);
  client.on('end', options.onDown);
  const connection = new Bottleneck.IORedisConnection({ client, Redis });
  // Bottleneck listens to both sockets' 'error' events and re-emits them here.
  connection.on('error', options.onError);
  return { client, connection };
}

/** How long closing waits for a polite QUIT before dropping the sockets. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Closes the limiters' shared Redis connection, bounded in time. It goes before the limiters
 * themselves: it stops every limiter's heartbeat and marks itself terminated, so the limiters' own
 * disconnect does not send UNSUBSCRIBEs that could time out unobserved while Redis is unreachable.
 */
export async function closeConnection(
  connection: Bottleneck.IORedisConnection,
  client: RedisClient | undefined,
): Promise<void> {
  const quit = await withTimeout(connection.disconnect(true), CLOSE_TIMEOUT_MS, 'limiter quit').then(
    () => true,
    () => false,
  );
  if (quit) return;
  // Redis is unreachable: drop both sockets instead of waiting for QUIT replies.
  await connection.disconnect(false).catch(() => undefined);
  // ioredis leaves a client that is disconnected while waiting to reconnect in limbo: its
  // queued commands are never rejected, and their commandTimeout timers would keep the
  // process alive. Reject them now (the calls that issued them were already answered).
  const subscriber = (connection as unknown as { subscriber?: RedisClient }).subscriber;
  for (const redis of [client, subscriber]) {
    const flush = (redis as unknown as { flushQueue?: (error: Error) => void } | undefined)?.flushQueue;
    if (redis && redis.status !== 'end' && typeof flush === 'function') {
      flush.call(redis, new Error('rate limiter closed while Redis was unreachable'));
    }
  }
}
