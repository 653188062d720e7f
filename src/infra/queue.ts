import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';

/** The one BullMQ queue: every window job of every entity and realm. */
export const QUEUE_NAME = 'backfill-windows';

/** A window job's data. Never a secret: tokens live in the token store, not in Redis. */
export interface WindowJobData {
  runId: string;
  realmId: string;
  entity: string;
  /** UTC day `YYYY-MM-DD`; the window is [day, day+1d). */
  day: string;
  windowStart: string;
  windowEnd: string;
  pageSize: number;
}

/**
 * BullMQ job id of a window: deterministic, so re-adding a window that is still queued is a no-op.
 * BullMQ forbids `:` in custom ids, and `generation` distinguishes a later resume/retry of the
 * same window from the first try.
 */
export function windowJobId(runId: string, entity: string, day: string, generation = 0): string {
  return `${runId}.${entity}.${day}.${generation}`;
}

/** A Redis connection as BullMQ workers need it (blocking commands must never time out). */
export function createRedis(
  url: string,
  options: {
    forWorker?: boolean;
    /**
     * Stop reconnecting after this many failed attempts, so that a command answering a person
     * fails (saying Redis is unreachable) instead of waiting forever. Default: never give up.
     */
    giveUpAfterAttempts?: number;
  } = {},
): Redis {
  const giveUp = options.giveUpAfterAttempts;
  return new Redis(url, {
    maxRetriesPerRequest: options.forWorker ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
    ...(giveUp !== undefined
      ? { retryStrategy: (times: number) => (times > giveUp ? null : Math.min(times * 200, 1_000)) }
      : {}),
  });
}

export function createQueue(connection: ConnectionOptions, prefix: string): Queue<WindowJobData> {
  return new Queue<WindowJobData>(QUEUE_NAME, { connection, prefix });
}
