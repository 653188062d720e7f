/** The options of the shared realm rate limiter, their defaults and their validation. */
import type { Logger } from 'pino';
import type { RedisCluster } from '../../config/config.js';
import { START_LAG_ALLOWANCE_MS } from './pacing.js';

/** Options of `RealmRateLimiter`. */
export interface RateLimiterOptions {
  /** Redis shared by the cluster (`REDIS_URL`). */
  redisUrl: string;
  /**
   * A Redis Cluster instead (`REDIS_CLUSTER_NODES`): a realm's limiter id then carries the realm as
   * a hash tag, so the 8 keys each of Bottleneck's scripts touches share a slot, and realms spread
   * over the nodes.
   */
  redisCluster?: RedisCluster | undefined;
  /**
   * The deployment's key prefix (`QUEUE_PREFIX`). Limiter ids are `<prefix>.limiter.<realmId>` and
   * every limiter key starts with `<prefix>:`, so deployments and test runs sharing one Redis never
   * share a budget.
   */
  prefix: string;
  /** Requests per realm per window, cluster-wide (`QBO_REQUESTS_PER_MINUTE`). Default 480. */
  requestsPerMinute: number;
  /** Requests per realm in flight, cluster-wide (`QBO_MAX_CONCURRENT`). Default 10. */
  maxConcurrent: number;
  /** Length of the sliding window `requestsPerMinute` applies to, in ms. Default 60000. */
  windowMs?: number;
  /**
   * How often each limiter ticks in Redis: frees expired jobs, announces capacity, proves this
   * process is alive. Default 250 (Bottleneck's own default of 5000 would leave freed slots idle
   * for seconds).
   */
  heartbeatIntervalMs?: number;
  /**
   * Longest a request may hold its slot; after that the slot is freed even if the process died
   * holding it, and `schedule()` rejects with a `RateLimiterError` of code `EXPIRED`.
   * Default 130000 (Intuit times requests out at 120 s).
   */
  expirationMs?: number;
  /** After this long without a heartbeat, a process is dropped from the realm's clients. Default 30000. */
  clientTimeoutMs?: number;
  /**
   * When Redis has been unreachable this long, calls still waiting for a slot reject with a
   * `RateLimiterError` of code `UNAVAILABLE` (their functions never run). Default 30000.
   */
  unavailableTimeoutMs?: number;
  /**
   * A realm's limiter is dropped (heartbeat stopped, channel unsubscribed) after this long without
   * a request. Its Redis keys stay: the budget it recorded still holds for the other processes.
   * Default 60000.
   */
  idleMs?: number;
  /** Slack over one window for uneven start lag (see ./pacing.ts). Default 250. */
  startLagAllowanceMs?: number;
  /** Where warnings about Redis go. Default: none. */
  logger?: Logger;
}

/** Defaults of the optional {@link RateLimiterOptions}. */
export const RATE_LIMITER_DEFAULTS = {
  requestsPerMinute: 480,
  maxConcurrent: 10,
  windowMs: 60_000,
  heartbeatIntervalMs: 250,
  expirationMs: 130_000,
  clientTimeoutMs: 30_000,
  unavailableTimeoutMs: 30_000,
  idleMs: 60_000,
  startLagAllowanceMs: START_LAG_ALLOWANCE_MS,
} as const;

export function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`rate limiter option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
