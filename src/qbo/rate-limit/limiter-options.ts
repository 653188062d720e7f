/** The options of the shared realm rate limiter, their defaults and their validation. */
import type { Logger } from 'pino';
import type { Config, RedisCluster } from '../../config/config.js';
import { pacingIntervalMs, startLagAllowanceMs } from './pacing.js';

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
  /** Requests per realm per window, cluster-wide (`QBO_REQUESTS_PER_MINUTE`). */
  requestsPerMinute: number;
  /** Requests per realm in flight, cluster-wide (`QBO_MAX_CONCURRENT`). */
  maxConcurrent: number;
  /** See {@link RATE_LIMITER_DEFAULTS.windowMs}. */
  windowMs?: number;
  /** See {@link RATE_LIMITER_DEFAULTS.heartbeatIntervalMs}. */
  heartbeatIntervalMs?: number;
  /** See {@link RATE_LIMITER_DEFAULTS.expirationMs}. */
  expirationMs?: number;
  /** See {@link RATE_LIMITER_DEFAULTS.clientTimeoutMs}. */
  clientTimeoutMs?: number;
  /** See {@link RATE_LIMITER_DEFAULTS.unavailableTimeoutMs}. */
  unavailableTimeoutMs?: number;
  /** See {@link RATE_LIMITER_DEFAULTS.idleMs}. */
  idleMs?: number;
  /**
   * Slack over one window for uneven start lag (./pacing.ts). Default: what the budget needs,
   * {@link startLagAllowanceMs}: 250 ms less the slack its gap to QBO's 500 a minute leaves (none
   * at the default 480).
   */
  startLagAllowanceMs?: number;
  /** Where warnings about Redis go. Default: none. */
  logger?: Logger;
}

/** Defaults of the optional {@link RateLimiterOptions}, declared once. */
export const RATE_LIMITER_DEFAULTS = Object.freeze({
  /** Length of the sliding window `requestsPerMinute` applies to, in ms. @defaultValue 60000 */
  windowMs: 60_000,
  /**
   * How often a limiter whose jobs wait for capacity ticks in Redis: frees expired jobs, announces
   * capacity (Bottleneck's own 5000 would leave freed slots idle for seconds). A limiter with
   * nothing waiting ticks only once a third of `clientTimeoutMs`, to prove this process is alive
   * (./bottleneck-redis7.ts). @defaultValue 250
   */
  heartbeatIntervalMs: 250,
  /**
   * Longest a request may hold its slot; after that the slot is freed even if the process died
   * holding it, and `schedule()` rejects with a `RateLimiterError` of code `EXPIRED` (Intuit times
   * requests out at 120 s). @defaultValue 130000
   */
  expirationMs: 130_000,
  /** After this long without a heartbeat, a process is dropped from the realm's clients. @defaultValue 30000 */
  clientTimeoutMs: 30_000,
  /**
   * When Redis has been unreachable this long, calls still waiting for a slot reject with a
   * `RateLimiterUnavailableError` (their functions never run). @defaultValue 30000
   */
  unavailableTimeoutMs: 30_000,
  /**
   * A realm's limiter is dropped (heartbeat stopped, channel unsubscribed) after this long without
   * a request. Its Redis keys stay: the budget it recorded still holds for the other processes.
   * @defaultValue 60000
   */
  idleMs: 60_000,
});

export function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`rate limiter option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** The options a limiter runs on, validated once, defaults filled in, pacing derived. */
export function resolveLimiterOptions(options: RateLimiterOptions) {
  const requestsPerMinute = positiveInt('requestsPerMinute', options.requestsPerMinute);
  const windowMs = positiveInt('windowMs', options.windowMs ?? RATE_LIMITER_DEFAULTS.windowMs);
  const allowance = options.startLagAllowanceMs ?? startLagAllowanceMs(windowMs, requestsPerMinute);
  if (!Number.isInteger(allowance) || allowance < 0) {
    throw new RangeError(`rate limiter option startLagAllowanceMs must be an integer >= 0`);
  }
  /** An optional timing option, or its default; refused unless a positive integer. */
  const timing = (
    name: 'idleMs' | 'heartbeatIntervalMs' | 'expirationMs' | 'clientTimeoutMs' | 'unavailableTimeoutMs',
  ) => positiveInt(name, options[name] ?? RATE_LIMITER_DEFAULTS[name]);
  return {
    maxConcurrent: positiveInt('maxConcurrent', options.maxConcurrent),
    minTimeMs: pacingIntervalMs(windowMs, requestsPerMinute, allowance),
    idleMs: timing('idleMs'),
    heartbeatIntervalMs: timing('heartbeatIntervalMs'),
    expirationMs: timing('expirationMs'),
    clientTimeoutMs: timing('clientTimeoutMs'),
    unavailableTimeoutMs: timing('unavailableTimeoutMs'),
  };
}

/** A process's limiter options from its configuration: the cluster's Redis, prefix and budget. */
export function limiterOptions(
  config: Pick<Config, 'redisUrl' | 'redisCluster' | 'queuePrefix' | 'requestsPerMinute' | 'maxConcurrent'>,
  logger: Logger,
): RateLimiterOptions {
  return {
    redisUrl: config.redisUrl,
    redisCluster: config.redisCluster,
    prefix: config.queuePrefix,
    requestsPerMinute: config.requestsPerMinute,
    maxConcurrent: config.maxConcurrent,
    logger,
  };
}
