import { systemClock, type Clock } from '@qbo-backfill/clock';
import { outcomeOf, RetryWindowError } from '../model/errors/index.js';
import type { Logger } from './logger.js';

/**
 * Infrastructure outages are not the run's fault. PostgreSQL or Redis restarted, failed over or
 * out of reach makes every query fail alike for a while, whatever the window: such a failure must
 * neither use up a window's attempts nor count toward the circuit breaker. This module tells such
 * failures from every other error, and keeps one process's view of which store is away.
 */
export type Store = 'postgres' | 'redis';

export const STORE_NAMES: Readonly<Record<Store, string>> = { postgres: 'PostgreSQL', redis: 'Redis' };

/** Socket-level codes: the store did not answer, or the connection died under a query. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/**
 * SQLSTATEs of a server going away: class 08 (connection exception), 57P01 admin_shutdown (fast
 * or immediate stop, failover), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or in
 * recovery), 53300 too_many_connections (every process reconnecting at once after a restart).
 */
const PG_STATES = /^(08...|57P0[123]|53300)$/;

/** node-postgres and pg-pool say it in words, without a code. */
const PG_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Query read timeout|the database system is (starting up|shutting down|in recovery mode)|terminating connection/i;

/** ioredis and BullMQ: commands refused or abandoned while the connection is down. */
const REDIS_MESSAGES =
  /Connection is closed|Stream isn't writeable|max retries per request|ioredis|Redis (is )?unavailable|READONLY|LOADING|MASTERDOWN/i;

/**
 * One of our errors that says a store is out of reach (the shared rate limiter's Redis, say). A
 * window waits for the store instead of failing; anywhere else it is worth another attempt.
 */
export abstract class StoreUnreachableError extends RetryWindowError {
  abstract readonly store: Store;
}

function field(err: unknown, name: string): unknown {
  return err !== null && typeof err === 'object' ? (err as Record<string, unknown>)[name] : undefined;
}

/**
 * Which store an error says is out of reach, or undefined when the error is about something else.
 * Follows `cause` chains: a wrapped connection error is still one.
 */
export function unreachableStore(err: unknown, depth = 0): Store | undefined {
  if (!(err instanceof Error) || depth > 4) return undefined;
  const name = err.name;
  const code = field(err, 'code');
  const message = err.message;
  if (err instanceof StoreUnreachableError) return err.store;
  // Our other errors chose their outcome (QBO's network errors among them): none is a store's.
  if (outcomeOf(err) !== undefined) return undefined;
  // What follows reads the drivers' own errors, which have no classes to tell them by.
  // Set by whoever knows which connection failed (see attributeSocketError).
  const said = field(err, 'store');
  if (said === 'postgres' || said === 'redis') return said;
  if (
    name === 'MaxRetriesPerRequestError' ||
    (name === 'ReplyError' && /READONLY|LOADING|MASTERDOWN/.test(message))
  )
    return 'redis';
  if (typeof code === 'string' && PG_STATES.test(code)) return 'postgres';
  if (PG_MESSAGES.test(message)) return 'postgres';
  if (REDIS_MESSAGES.test(message)) return 'redis';
  if (typeof code === 'string' && SOCKET_CODES.has(code)) {
    // A refused connection names the port: 6379-style Redis ports are told apart by the caller's
    // stack only, so decide by the library that threw when the message does not say.
    // Only the error's own frames: async stack traces append the awaiting callers', and a
    // PostgreSQL query awaited inside a BullMQ job has BullMQ's frames there.
    const own = (err.stack ?? '')
      .split('\n')
      .filter((line) => !/^\s*at async /.test(line))
      .join('\n');
    return /ioredis|bullmq/i.test(own) ? 'redis' : 'postgres';
  }
  return unreachableStore(field(err, 'cause'), depth + 1);
}

/**
 * A refused or reset connection names only an address. Whoever holds both URLs can tell which
 * store it was: the error is marked with the store whose port it names (and passed on as is).
 */
export function attributeSocketError(err: unknown, urls: Record<Store, string>): void {
  if (!(err instanceof Error)) return;
  const port = field(err, 'port');
  if (typeof port !== 'number') return;
  const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);
  const matches = (Object.keys(urls) as Store[]).filter(
    (store) => portOf(urls[store], store === 'postgres' ? 5432 : 6379) === port,
  );
  if (matches.length === 1) Object.assign(err, { store: matches[0] });
}

/** The capped backoff of a job waiting for a store; see {@link DEFAULT_STORE_BACKOFF}. */
export interface StoreBackoff {
  baseMs: number;
  capMs: number;
}

/** How jobs wait for a store when nothing else is said, declared once. */
export const DEFAULT_STORE_BACKOFF: Readonly<StoreBackoff> = Object.freeze({
  /** The first wait, and how often a store away is probed. @defaultValue 1000 */
  baseMs: 1_000,
  /** The longest wait, however long the outage. @defaultValue 30000 */
  capMs: 30_000,
});

interface Outage {
  sinceMs: number;
  failures: number;
  /** Jobs of this process sent to the delayed set to wait for the store (see park). */
  parked: Set<string>;
}

/** How a process finds out a store is back before its waiting jobs' delays are over. */
export interface StoreWatch {
  /**
   * Per store, a cheap query that succeeds once the store answers. While a store is away, one
   * probe at a time runs every `baseMs`: the process learns the store is back within about a
   * second, however long the jobs' own delays have grown.
   */
  probes?: Partial<Record<Store, () => Promise<unknown>>>;
  /**
   * Called once a store is back with the ids of the jobs parked for it, so they can be promoted:
   * without it they would sit out delays of up to `capMs` after a short outage.
   */
  onBack?: (store: Store, jobIds: string[]) => void;
  /**
   * The stores' URLs: a refused or reset connection names only an address, and the library whose
   * code is on its stack is no guide (async stack traces put BullMQ's frames under PostgreSQL's
   * errors), so the port tells which store it was.
   */
  urls?: Record<Store, string>;
  /** What the probes wait on and outages are timed by. Default: the system clock. */
  clock?: Clock;
}

/**
 * One process's view of which store is away. It logs one line when a store goes away and one when
 * it is back, however many queries fail meanwhile, hands out the capped, jittered delay after
 * which a job waiting for it tries again, and (with a probe) notices the store is back and hands
 * the parked jobs to `onBack`.
 */
export class StoreHealth {
  private readonly outages = new Map<Store, Outage>();
  /** Aborted by close(): ends the probes' waits at once. */
  private readonly stopping = new AbortController();
  private readonly clock: Clock;

  constructor(
    private readonly log: Logger,
    private readonly backoff: StoreBackoff = DEFAULT_STORE_BACKOFF,
    private readonly watch: StoreWatch = {},
  ) {
    this.clock = watch.clock ?? systemClock;
  }

  /** Records a failure caused by `store` being away; resolves to how long to wait before trying again. */
  down(store: Store, err: unknown): number {
    let outage = this.outages.get(store);
    if (!outage) {
      outage = { sinceMs: this.clock.now(), failures: 0, parked: new Set() };
      this.outages.set(store, outage);
      const detail = err instanceof Error ? err.message : String(err);
      this.log.warn(
        { store, err: detail },
        `${STORE_NAMES[store]} unreachable: windows wait for it and go on when it is back`,
      );
      void this.probeUntilBack(store, outage);
    }
    outage.failures++;
    const exp = Math.min(this.backoff.capMs, this.backoff.baseMs * 2 ** Math.min(outage.failures - 1, 20));
    // Half jitter: every worker retrying at the same instant would hit a store just back at once.
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  }

  /** A job of this process now waits in the delayed set for `store`: it is handed to onBack when the store is back. */
  park(store: Store, jobId: string | undefined): void {
    if (jobId !== undefined) this.outages.get(store)?.parked.add(jobId);
  }

  /** Something just worked against `store`: if it was away, say it is back and release its parked jobs. */
  up(store: Store): void {
    const outage = this.outages.get(store);
    if (!outage) return;
    this.outages.delete(store);
    this.log.info(
      { store, downForMs: this.clock.now() - outage.sinceMs, failures: outage.failures },
      `${STORE_NAMES[store]} is back`,
    );
    if (outage.parked.size > 0) this.watch.onBack?.(store, [...outage.parked]);
  }

  /** Which store an error says is out of reach (unreachableStore, told apart by port first). */
  storeOf(err: unknown): Store | undefined {
    if (this.watch.urls) attributeSocketError(err, this.watch.urls);
    return unreachableStore(err);
  }

  isDown(store: Store): boolean {
    return this.outages.has(store);
  }

  /** Stops the probes (on shutdown); safe to call twice. */
  close(): void {
    this.stopping.abort();
  }

  /**
   * Probes the store every `baseMs` while this outage lasts. A probe that hangs (a frozen server
   * keeps connections open without answering) is waited for, never doubled: at most one probe of
   * a store is in flight.
   */
  private async probeUntilBack(store: Store, outage: Outage): Promise<void> {
    const probe = this.watch.probes?.[store];
    if (!probe) return;
    const stopped = this.stopping.signal;
    let pending: Promise<boolean> | undefined;
    while (!stopped.aborted && this.outages.get(store) === outage) {
      await this.clock.sleep(this.backoff.baseMs, stopped);
      if (stopped.aborted || this.outages.get(store) !== outage) return;
      pending ??= probe().then(
        () => true,
        () => false,
      );
      // Ended by the probe's answer or by close(), whichever comes first.
      const wait = new AbortController();
      const stop = () => wait.abort();
      stopped.addEventListener('abort', stop, { once: true });
      const answered = await Promise.race([
        pending,
        this.clock.sleep(this.backoff.baseMs, wait.signal).then(() => undefined),
      ]);
      wait.abort();
      stopped.removeEventListener('abort', stop);
      if (answered === undefined) continue;
      pending = undefined;
      if (answered && !stopped.aborted) {
        this.up(store);
        return;
      }
    }
  }
}
