import type Bottleneck from 'bottleneck';
import type { RedisClient } from '../../infra/redis.js';
import { withTimeout } from '../../infra/with-timeout.js';

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
