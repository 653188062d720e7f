import { Queue, type ConnectionOptions } from 'bullmq';
import { queueKeyPrefix } from './redis.js';

export { createRedis } from './redis.js';

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

/** The window queue on a connection (a client, or options for one server); `prefix`: `QUEUE_PREFIX`. */
export function createQueue(connection: ConnectionOptions, prefix: string): Queue<WindowJobData> {
  return new Queue<WindowJobData>(QUEUE_NAME, {
    connection,
    prefix: queueKeyPrefix(connection, prefix, QUEUE_NAME),
  });
}
