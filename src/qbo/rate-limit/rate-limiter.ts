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
 *   heartbeat runs that tick often while jobs wait, so the freed capacity is announced promptly.
 * - Many realms: every limiter of a process shares one Redis client and one subscriber. Limiters
 *   are created on a realm's first request and dropped once it has been idle for `idleMs`, and only
 *   a live limiter heartbeats, and only while its jobs wait for capacity (otherwise once a third of
 *   `clientTimeout`): heartbeats scale with the realms waiting for their budget, not with every
 *   realm the deployment knows nor every realm it touched in the last minute.
 * - Redis 7 needs a fix in Bottleneck 2.19.5 to recover lost state: see ./bottleneck-redis7.ts. A
 *   process applies it at start (applyBottleneckRedis7Patch: the worker process does); a limiter
 *   refuses to be made without it, so no process can run the unfixed Bottleneck unnoticed.
 */
import { randomBytes } from 'node:crypto';
import Bottleneck from 'bottleneck';
import { hashTag, type RedisClient } from '../../infra/redis.js';
import type { RedisCluster } from '../../config/config.js';
import type { Logger } from 'pino';
import { isBottleneckRedis7PatchApplied } from './bottleneck-redis7.js';
import { closeConnection, openLimiterConnection } from './limiter-connection.js';
import { expectedWaitMs } from './expected-wait.js';
import { countRead } from './monthly-reads.js';
import { RATE_LIMITER_DEFAULTS, resolveLimiterOptions, type RateLimiterOptions } from './limiter-options.js';
import { RateLimiterError, RateLimiterUnavailableError } from './rate-limiter-error.js';

export { RATE_LIMITER_DEFAULTS, type RateLimiterOptions };

const REALM_ID = /^[A-Za-z0-9_.-]{1,128}$/;
/** The same warning (per realm and kind) is logged at most this often during an outage. */
const WARN_EVERY_MS = 10_000;

/** A schedule() call whose function has not started yet. */
interface PendingCall {
  abandoned: boolean;
  reject(error: RateLimiterError | RateLimiterUnavailableError): void;
}

/**
 * Per-realm request budget shared by every process using the same Redis and prefix.
 *
 * Redis outages: a call that cannot reach Redis to queue rejects with a
 * `RateLimiterUnavailableError` after the client's bounded retries (about 5 s); calls already queued keep
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
  private readonly redisCluster: RedisCluster | undefined;
  private readonly maxConcurrent: number;
  private readonly minTimeMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly expirationMs: number;
  private readonly clientTimeoutMs: number;
  private readonly unavailableTimeoutMs: number;
  private readonly idleMs: number;
  private readonly logger: Logger | undefined;
  private readonly lastUsedAt = new Map<string, number>();
  /** The realm's next free start (epoch ms) as this process last read it: a lower bound. */
  private readonly bookedUntil = new Map<string, number>();
  private idleSweep: NodeJS.Timeout | undefined;

  private connection: Bottleneck.IORedisConnection | undefined;
  private client: RedisClient | undefined;
  private readonly limiters = new Map<string, Bottleneck>();
  private readonly pending = new Set<PendingCall>();
  private outageTimer: NodeJS.Timeout | undefined;
  private readonly lastWarnAt = new Map<string, number>();
  private jobCounter = 0;
  private readonly instanceTag = randomBytes(4).toString('hex');
  private closing: Promise<void> | undefined;

  constructor(options: RateLimiterOptions) {
    if (!isBottleneckRedis7PatchApplied()) {
      throw new Error(
        "Bottleneck's Redis 7 fix is not applied: call applyBottleneckRedis7Patch() when the process starts",
      );
    }
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(options.prefix)) {
      throw new RangeError(
        'rate limiter option prefix must be 1 to 64 letters, digits, dots, dashes or underscores',
      );
    }
    this.prefix = options.prefix;
    this.redisUrl = options.redisUrl;
    this.redisCluster = options.redisCluster;
    const resolved = resolveLimiterOptions(options);
    this.maxConcurrent = resolved.maxConcurrent;
    this.minTimeMs = resolved.minTimeMs;
    this.idleMs = resolved.idleMs;
    this.heartbeatIntervalMs = resolved.heartbeatIntervalMs;
    this.expirationMs = resolved.expirationMs;
    this.clientTimeoutMs = resolved.clientTimeoutMs;
    this.unavailableTimeoutMs = resolved.unavailableTimeoutMs;
    this.logger = options.logger;
  }

  /** The spacing enforced between two request starts of one realm, cluster-wide. */
  get minTime(): number {
    return this.minTimeMs;
  }

  /**
   * The Bottleneck limiter id of a realm (its Redis keys are `<prefix>:b_<id>_*`); on a Redis
   * Cluster the realm is its hash tag (`<prefix>.limiter.{<realm>}`).
   */
  limiterId(realmId: string): string {
    return `${this.prefix}.limiter.${hashTag({ isCluster: this.redisCluster !== undefined }, realmId)}`;
  }

  /** Realms with a live limiter in this process (each one subscribed, ticking while jobs wait). */
  get liveRealms(): number {
    return this.limiters.size;
  }

  /**
   * How long a request to the realm would wait for the cluster's budget if it asked now (one
   * HMGET). A window whose realm is this far behind can give its worker slot to another realm.
   *
   * With `atLeastMs`: when an earlier answer in this process already shows the realm booked more
   * than that far ahead, that lower bound is the answer, without asking Redis. Bookings only move
   * the realm's next start later, so the bound holds (unless Redis lost the keys meanwhile, when it
   * overstates the wait by at most the booking horizon it saw). With one busy realm, every slot
   * otherwise asks Redis again for each job it takes and gives back.
   */
  async expectedWaitMs(realmId: string, atLeastMs?: number): Promise<number> {
    if (this.closing || !REALM_ID.test(realmId)) return 0;
    const known = (this.bookedUntil.get(realmId) ?? 0) - Date.now();
    if (atLeastMs !== undefined && known > atLeastMs) return known;
    this.sharedConnection();
    const [nextRequest, running] = await (this.client as RedisClient).hmget(
      `b_${this.limiterId(realmId)}_settings`,
      'nextRequest',
      'running',
    );
    if (nextRequest == null) this.bookedUntil.delete(realmId);
    else this.bookedUntil.set(realmId, Number(nextRequest));
    return expectedWaitMs(
      {
        nextRequest: nextRequest == null ? undefined : Number(nextRequest),
        running: Number(running ?? 0),
      },
      { maxConcurrent: this.maxConcurrent, minTimeMs: this.minTimeMs },
      Date.now(),
    );
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
    this.lastUsedAt.set(realmId, Date.now());

    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let started = false;
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
        started = true;
        this.pending.delete(call);
        // Counted for the monthly read quota; a lost count must not fail the request.
        if (this.client) countRead(this.client, realmId).catch(() => undefined);
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
          // Once fn has started, Bottleneck fails the job only when it outlives its expiration;
          // before that, only when it cannot reach Redis to queue or start it.
          call.reject(
            started
              ? new RateLimiterError(
                  'EXPIRED',
                  `request to realm ${realmId} held its slot over ${this.expirationMs} ms`,
                  { cause: error },
                )
              : new RateLimiterUnavailableError(`rate limiter for realm ${realmId} could not reach Redis`, {
                  cause: error,
                }),
          );
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
    clearInterval(this.idleSweep);
    for (const call of [...this.pending]) {
      call.reject(
        new RateLimiterError('CLOSED', 'the rate limiter was closed before the request could start'),
      );
    }
    const limiters = [...this.limiters.values()];
    this.limiters.clear();
    if (this.connection) await closeConnection(this.connection, this.client);
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
    this.idleSweep ??= setInterval(() => this.dropIdleLimiters(), Math.ceil(this.idleMs / 2));
    this.idleSweep.unref();
    return limiter;
  }

  /** Drops the limiters of realms without a request for `idleMs` and nothing queued or running. */
  private dropIdleLimiters(): void {
    const now = Date.now();
    for (const [realmId, limiter] of this.limiters) {
      if (now - (this.lastUsedAt.get(realmId) ?? 0) < this.idleMs) continue;
      const c = limiter.counts();
      if (c.RECEIVED + c.QUEUED + c.RUNNING + c.EXECUTING > 0) continue;
      this.limiters.delete(realmId);
      this.lastUsedAt.delete(realmId);
      this.bookedUntil.delete(realmId);
      // With the shared connection this stops the heartbeat and unsubscribes; the keys stay.
      // (Bottleneck returns no promise on that path, hence the wrapping.)
      Promise.resolve()
        .then(() => limiter.disconnect(false))
        .catch(() => undefined);
    }
    if (this.limiters.size === 0) {
      clearInterval(this.idleSweep);
      this.idleSweep = undefined;
    }
  }

  /** One Redis client and one subscriber for every realm's limiter (./limiter-connection.ts). */
  private sharedConnection(): Bottleneck.IORedisConnection {
    if (this.connection) return this.connection;
    const { client, connection } = openLimiterConnection({
      prefix: this.prefix,
      redisUrl: this.redisUrl,
      redisCluster: this.redisCluster,
      onUp: () => this.onRedisUp(),
      onDown: () => this.onRedisDown(),
      onError: (error) => this.warn('redis', 'rate limiter cannot reach Redis', error),
    });
    this.client = client;
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
          new RateLimiterUnavailableError(`Redis unreachable for over ${this.unavailableTimeoutMs} ms`),
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
