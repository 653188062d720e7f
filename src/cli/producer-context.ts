import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.js';
import { createDb, type Db } from '../shared/db.js';
import { createQueue, createRedis, type WindowJobData } from '../shared/queue.js';

export interface ProducerContext {
  config: Config;
  db: Db;
  queue: Queue<WindowJobData>;
  /** The queue's Redis connection (no key prefix), for reads outside BullMQ. */
  redis: Redis;
}

/** Opens the database and the queue for one producer command and always closes both. */
export async function withProducer<T>(config: Config, fn: (ctx: ProducerContext) => Promise<T>): Promise<T> {
  const db = createDb(config.databaseUrl, { max: 4, applicationName: 'qbo-backfill-producer' });
  let redis: Redis | undefined;
  let queue: Queue<WindowJobData> | undefined;
  try {
    redis = createRedis(config.redisUrl);
    queue = createQueue(redis, config.queuePrefix);
    return await fn({ config, db, queue, redis });
  } finally {
    await queue?.close().catch(() => undefined);
    redis?.disconnect();
    await db.destroy();
  }
}
