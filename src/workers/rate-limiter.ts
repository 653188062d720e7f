/**
 * The per-realm QBO request budget, shared by every worker process of the cluster.
 *
 * QBO limits each realm (company) to 500 requests per sliding minute and 10 requests in flight;
 * over that it answers 429. Every worker process calls the API for the same realms, so the budget
 * lives in Redis: one Bottleneck limiter per realm in clustering mode, all processes using the same
 * limiter id, which Bottleneck turns into shared Redis keys (running count, next allowed start,
 * registered clients) updated atomically by Lua scripts.
 *
 * - Pacing, not bursting: Bottleneck's `minTime` is kept cluster-wide (the next allowed start time
 *   lives in Redis), so starts are spaced evenly and no sliding window can exceed the budget. A
 *   fixed-window reservoir would allow twice the budget across a window boundary.
 * - `maxConcurrent` bounds requests in flight across the cluster.
 * - A crashed process's slots come back through the job `expiration` (Bottleneck frees expired
 *   jobs of any client in its Lua tick); `clientTimeout` then forgets the dead client, and a short
 *   heartbeat runs that tick often, so the freed capacity is announced promptly.
 * - Redis 7 needs a fix in Bottleneck 2.19.5 to recover lost state: see
 *   ./rate-limit/bottleneck-redis7.ts, applied when this module is imported.
 */
import { randomBytes } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { applyBottleneckRedis7Patch } from './rate-limit/bottleneck-redis7.js';
import { pacingIntervalMs } from './rate-limit/pacing.js';
import { withTimeout } from '../shared/with-timeout.js';

applyBottleneckRedis7Patch();

/** Options of {@link RealmRateLimiter}. */
export interface RateLimiterOptions {
  /** Redis shared by the cluster (`REDIS_URL`). */
  redisUrl: string;
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
   * holding it, and `schedule()` rejects with a {@link RateLimiterError} of code `EXPIRED`.
   * Default 130000 (Intuit times requests out at 120 s).
   */
  expirationMs?: number;
  /** After this long without a heartbeat, a process is dropped from the realm's clients. Default 30000. */
  clientTimeoutMs?: number;
  /**
   * When Redis has been unreachable this long, calls still waiting for a slot reject with a
   * {@link RateLimiterError} of code `UNAVAILABLE` (their functions never run). Default 30000.
   */
  unavailableTimeoutMs?: number;
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
} as const;

/** Why the limiter, rather than the scheduled function, failed a call. */
export type RateLimiterErrorCode = 'UNAVAILABLE' | 'CLOSED' | 'EXPIRED';

/** A call failed because of the limiter; the scheduled function's own errors pass through as they are. */
export class RateLimiterError extends Error {
  override readonly name = 'RateLimiterError';
  constructor(
    readonly code: RateLimiterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const REALM_ID = /^[A-Za-z0-9_.-]{1,128}$/;
/** How long close() waits for a polite QUIT before dropping the sockets. */
const CLOSE_TIMEOUT_MS = 2_000;
/** The same warning (per realm and kind) is logged at most this often during an outage. */
const WARN_EVERY_MS = 10_000;

/** A schedule() call whose function has not started yet. */
interface PendingCall {
  abandoned: boolean;
  reject(error: RateLimiterError): void;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`rate limiter option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Per-realm request budget shared by every process using the same Redis and prefix.
 *
 * Redis outages: a call that cannot reach Redis to queue rejects with a `RateLimiterError`
 * (`UNAVAILABLE`) after the client's bounded retries (about 5 s); calls already queued keep
 * waiting and resume on their own when Redis comes back (the lost state is re-created), unless the
 * outage lasts longer than `unavailableTimeoutMs`, when they reject with `UNAVAILABLE`. A call
 * whose function already started always settles with the function's outcome.
 *
 * After a Redis restart or flush the realm's state starts over: requests in flight at that moment
 * are forgotten, so for the length of one request the cluster may exceed `maxConcurrent`.
 */
export class RealmRateLimiter {
  private readonly prefix: string;
  private readonly redisUrl: string;
  private readonly maxConcurrent: number;
  private readonly minTimeMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly expirationMs: number;
  private readonly clientTimeoutMs: number;
  private readonly unavailableTimeoutMs: number;
  private readonly logger: Logger | undefined;

  private connection: Bottleneck.IORedisConnection | undefined;
  private client: Redis | undefined;
  private readonly limiters = new Map<string, Bottleneck>();
  private readonly pending = new Set<PendingCall>();
  private outageTimer: NodeJS.Timeout | undefined;
  private readonly lastWarnAt = new Map<string, number>();
  private jobCounter = 0;
  private readonly instanceTag = randomBytes(4).toString('hex');
  private closing: Promise<void> | undefined;

  constructor(options: RateLimiterOptions) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(options.prefix)) {
      throw new RangeError(
        'rate limiter option prefix must be 1 to 64 letters, digits, dots, dashes or underscores',
      );
    }
    this.prefix = options.prefix;
    this.redisUrl = options.redisUrl;
    const requestsPerMinute = positiveInt('requestsPerMinute', options.requestsPerMinute);
    this.maxConcurrent = positiveInt('maxConcurrent', options.maxConcurrent);
    const windowMs = positiveInt('windowMs', options.windowMs ?? RATE_LIMITER_DEFAULTS.windowMs);
    this.minTimeMs = pacingIntervalMs(windowMs, requestsPerMinute);
    this.heartbeatIntervalMs = positiveInt(
      'heartbeatIntervalMs',
      options.heartbeatIntervalMs ?? RATE_LIMITER_DEFAULTS.heartbeatIntervalMs,
    );
    this.expirationMs = positiveInt(
      'expirationMs',
      options.expirationMs ?? RATE_LIMITER_DEFAULTS.expirationMs,
    );
    this.clientTimeoutMs = positiveInt(
      'clientTimeoutMs',
      options.clientTimeoutMs ?? RATE_LIMITER_DEFAULTS.clientTimeoutMs,
    );
    this.unavailableTimeoutMs = positiveInt(
      'unavailableTimeoutMs',
      options.unavailableTimeoutMs ?? RATE_LIMITER_DEFAULTS.unavailableTimeoutMs,
    );
    this.logger = options.logger;
  }

  /** The spacing enforced between two request starts of one realm, cluster-wide. */
  get minTime(): number {
    return this.minTimeMs;
  }

  /** The Bottleneck limiter id of a realm (its Redis keys are `<prefix>:b_<id>_*`). */
  limiterId(realmId: string): string {
    return `${this.prefix}.limiter.${realmId}`;
  }

  /** Runs fn when the realm's shared budget allows; resolves/rejects with fn's outcome. */
  schedule<T>(realmId: string, fn: () => Promise<T>): Promise<T> {
    if (this.closing) {
      return Promise.reject(new RateLimiterError('CLOSED', 'the rate limiter is closed'));
    }
    if (!REALM_ID.test(realmId)) {
      return Promise.reject(
        new RangeError(`invalid realm id for the rate limiter: ${JSON.stringify(realmId)}`),
      );
    }
    const limiter = this.limiterFor(realmId);

    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const call: PendingCall = {
        abandoned: false,
        reject: (error) => {
          if (settled) return;
          settled = true;
          call.abandoned = true;
          this.pending.delete(call);
          reject(error);
        },
      };
      this.pending.add(call);

      // The caller gets fn's outcome as soon as fn settles: Bottleneck would hold it back until the
      // slot is freed in Redis, which can take seconds while Redis is unreachable.
      const task = async (): Promise<void> => {
        if (call.abandoned) return; // the caller was already told no; never start the request late
        this.pending.delete(call);
        try {
          const value = await fn();
          if (!settled) {
            settled = true;
            resolve(value);
          }
        } catch (error) {
          if (!settled) {
            settled = true;
            // fn's own rejection passes through unchanged, whatever it is.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            reject(error);
          }
        }
      };

      const id = `${realmId}-${this.instanceTag}-${++this.jobCounter}`;
      limiter.schedule({ id, expiration: this.expirationMs }, task).then(
        () => undefined,
        (error: unknown) => {
          if (settled) return;
          const expired = error instanceof Bottleneck.BottleneckError && /timed out/.test(error.message);
          if (expired) {
            settled = true;
            this.pending.delete(call);
            reject(
              new RateLimiterError(
                'EXPIRED',
                `request to realm ${realmId} held its slot over ${this.expirationMs} ms`,
                {
                  cause: error,
                },
              ),
            );
          } else {
            call.reject(
              new RateLimiterError('UNAVAILABLE', `rate limiter for realm ${realmId} could not reach Redis`, {
                cause: error,
              }),
            );
          }
        },
      );
    });
  }

  /** Idempotent, bounded in time; stops heartbeats, disconnects. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    clearTimeout(this.outageTimer);
    for (const call of [...this.pending]) {
      call.reject(
        new RateLimiterError('CLOSED', 'the rate limiter was closed before the request could start'),
      );
    }
    const limiters = [...this.limiters.values()];
    this.limiters.clear();
    const connection = this.connection;
    if (connection) {
      // The connection goes first: it stops every limiter's heartbeat and marks itself terminated,
      // so the limiters' own disconnect below does not send UNSUBSCRIBEs that could time out
      // unobserved while Redis is unreachable.
      const quit = await withTimeout(connection.disconnect(true), CLOSE_TIMEOUT_MS, 'limiter quit').then(
        () => true,
        () => false,
      );
      if (!quit) {
        // Redis is unreachable: drop both sockets instead of waiting for QUIT replies.
        await connection.disconnect(false).catch(() => undefined);
        // ioredis leaves a client that is disconnected while waiting to reconnect in limbo: its
        // queued commands are never rejected, and their commandTimeout timers would keep the
        // process alive. Reject them now (the calls that issued them were already answered).
        const subscriber = (connection as unknown as { subscriber?: Redis }).subscriber;
        for (const redis of [this.client, subscriber]) {
          const flush = (redis as unknown as { flushQueue?: (error: Error) => void } | undefined)?.flushQueue;
          if (redis && redis.status !== 'end' && typeof flush === 'function') {
            flush.call(redis, new Error('rate limiter closed while Redis was unreachable'));
          }
        }
      }
    }
    // With a shared connection, a limiter's disconnect only stops its heartbeat and unsubscribes.
    await Promise.allSettled(limiters.map((limiter) => limiter.disconnect(false)));
  }

  private limiterFor(realmId: string): Bottleneck {
    const existing = this.limiters.get(realmId);
    if (existing) return existing;
    const limiter = new Bottleneck({
      id: this.limiterId(realmId),
      datastore: 'ioredis',
      connection: this.sharedConnection(),
      clearDatastore: false,
      maxConcurrent: this.maxConcurrent,
      minTime: this.minTimeMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      clientTimeout: this.clientTimeoutMs,
      // Keys of a realm nobody uses any more disappear after an idle hour. It must exceed the
      // longest job, since only new reservations refresh it.
      timeout: Math.max(3_600_000, 2 * this.expirationMs),
    });
    limiter.on('error', (error: unknown) =>
      this.warn(`limiter:${realmId}`, 'rate limiter Redis error', error, realmId),
    );
    this.limiters.set(realmId, limiter);
    return limiter;
  }

  /** One Redis client and one subscriber for every realm's limiter. */
  private sharedConnection(): Bottleneck.IORedisConnection {
    if (this.connection) return this.connection;
    const clientOptions: RedisOptions = {
      // Bottleneck names its keys `b_<id>_*`; the prefix makes them `<prefix>:b_<id>_*` so the
      // deployment's keys all start with its prefix (pub/sub channels are not prefixed, which is
      // why the prefix is also part of the limiter id).
      keyPrefix: `${this.prefix}:`,
      // Bounded: a command issued while Redis is down fails after ~5 s instead of hanging.
      maxRetriesPerRequest: 10,
      retryStrategy: (times: number) => Math.min(100 * times, 1_000),
      // A Redis that accepts connections but never answers must not hang callers either.
      commandTimeout: 15_000,
      connectionName: `${this.prefix}-rate-limiter`,
    };
    const client = new Redis(this.redisUrl, clientOptions);
    this.client = client;
    client.on('ready', () => this.onRedisUp());
    client.on('close', () => this.onRedisDown());
    client.on('end', () => this.onRedisDown());
    const connection = new Bottleneck.IORedisConnection({ client, Redis });
    // Bottleneck listens to both sockets' 'error' events and re-emits them here.
    connection.on('error', (error: unknown) => this.warn('redis', 'rate limiter cannot reach Redis', error));
    this.connection = connection;
    return connection;
  }

  private onRedisDown(): void {
    if (this.closing || this.outageTimer) return;
    this.outageTimer = setTimeout(() => {
      this.outageTimer = undefined;
      if (this.client?.status === 'ready') return;
      for (const call of [...this.pending]) {
        call.reject(
          new RateLimiterError('UNAVAILABLE', `Redis unreachable for over ${this.unavailableTimeoutMs} ms`),
        );
      }
    }, this.unavailableTimeoutMs);
    this.outageTimer.unref();
  }

  private onRedisUp(): void {
    clearTimeout(this.outageTimer);
    this.outageTimer = undefined;
  }

  private warn(key: string, message: string, error: unknown, realmId?: string): void {
    if (this.closing || !this.logger) return;
    const now = Date.now();
    if (now - (this.lastWarnAt.get(key) ?? 0) < WARN_EVERY_MS) return;
    this.lastWarnAt.set(key, now);
    this.logger.warn({ err: error, realmId }, message);
  }
}
