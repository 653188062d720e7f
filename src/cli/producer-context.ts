import type { Queue } from 'bullmq';
import type { Config } from '../config/config.js';
import { openDb, type Db } from '../infra/db.js';
import { createQueue, type WindowJobData } from '../infra/queue.js';
import { createRedis, redisAddress, type RedisClient } from '../infra/redis.js';
import { attributeSocketError } from '../infra/store-outage.js';

export interface ProducerContext {
  config: Config;
  db: Db;
  queue: Queue<WindowJobData>;
  /** The queue's Redis connection (no key prefix), for reads outside BullMQ. */
  redis: RedisClient;
}

/** Opens the database and the queue for one producer command and always closes both. */
export async function withProducer<T>(config: Config, fn: (ctx: ProducerContext) => Promise<T>): Promise<T> {
  // A command answers a person: a database that stopped answering fails it in seconds, not minutes.
  const db = openDb(config, {
    max: 4,
    applicationName: 'qbo-backfill-producer',
    queryTimeoutMs: 15_000,
  });
  let redis: RedisClient | undefined;
  let queue: Queue<WindowJobData> | undefined;
  try {
    redis = createRedis(config, { giveUpAfterAttempts: 5 });
    // Without a listener ioredis prints every failed reconnect; the command's own call fails
    // (after ioredis's few retries) and says that Redis is unreachable.
    redis.on('error', () => undefined);
    queue = createQueue(redis, config.queuePrefix);
    queue.on('error', () => undefined);
    return await fn({ config, db, queue, redis });
  } catch (err) {
    attributeSocketError(err, { postgres: config.databaseUrl, redis: redisAddress(config) });
    throw err;
  } finally {
    await queue?.close().catch(() => undefined);
    redis?.disconnect();
    await db.destroy();
  }
}
