import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import { sql } from 'kysely';
import { systemClock, type Clock } from '@qbo-backfill/clock';
import type { Db } from '../../infra/db.js';
import { TokenDecryptError } from './token-crypto.js';
import { NO_METRICS, TOKEN_REFRESHES } from '../../infra/cluster-metrics.js';
import type { Logger } from '../../infra/logger.js';
import { findDisconnection } from './connections.js';
import {
  insertRefreshTokenIfMissing,
  isRefreshTokenDead,
  lockTokens,
  markRefreshRejected,
  readTokens,
  saveRefreshedTokens,
  type StoredTokens,
} from './token-store.js';
import { callTokenEndpoint, type TokenEndpoint } from './token-endpoint.js';
import { ReplacedTokens } from './replaced-tokens.js';
import {
  InvalidClientError,
  InvalidGrantError,
  MissingRefreshTokenError,
  RealmDisconnectedError,
  TokenRefreshError,
  UndecryptableTokenError,
} from './token-errors.js';
import { ACCESS_TOKEN_DEFAULTS, type AccessTokenProviderOptions } from './access-token-options.js';

export type { AccessTokenProviderOptions };

interface CachedToken {
  token: string;
  expiresAtMs: number;
  /** How long the token lived when issued; bounds the refresh margin (see refreshMarginSeconds). */
  lifetimeMs: number;
}

/**
 * Hands workers a valid QBO access token per realm.
 *
 * Tokens are cached in memory with their expiry, so a page request costs no database read. When a
 * refresh is due, one process of the whole cluster does it: the refresh runs in a transaction
 * holding `SELECT ... FOR UPDATE` on the realm's `ops.tokens` row, and whoever gets the lock next
 * re-reads the row and uses the token the holder stored instead of refreshing again. This matters
 * because Intuit may rotate the refresh token on any refresh: two processes refreshing with the
 * same refresh token is the classic cause of invalid_grant. Inside one process, concurrent callers
 * share a single in-flight refresh, so they queue on neither the pool nor the lock.
 */
export class AccessTokenProvider {
  private readonly db: Db;
  private readonly key: Buffer;
  private readonly log: Logger;
  private readonly marginMs: number;
  private readonly httpTimeoutMs: number;
  private readonly endpoint: TokenEndpoint;
  private readonly clock: Clock;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  /** The last few access tokens this provider replaced, per realm (see refreshAfterUnauthorized). */
  private readonly replaced = new ReplacedTokens();
  private closed = false;
  /**
   * Set once the token endpoint refused this process's client id or secret. They are read once at
   * start and never change, so every later refresh would be refused alike: it is not sent again.
   */
  private clientRefused: InvalidClientError | undefined;

  constructor(private readonly o: AccessTokenProviderOptions) {
    this.db = o.db;
    this.key = o.encryptionKey;
    this.log = o.logger;
    this.marginMs = (o.refreshMarginSeconds ?? ACCESS_TOKEN_DEFAULTS.refreshMarginSeconds) * 1000;
    this.httpTimeoutMs = o.httpTimeoutMs ?? ACCESS_TOKEN_DEFAULTS.httpTimeoutMs;
    this.clock = o.clock ?? systemClock;
    // Refreshes are hourly at most: no keep-alive, so nothing lingers after close().
    this.agents = {
      http: new http.Agent({ keepAlive: false }),
      https: new https.Agent({ keepAlive: false }),
    };
    const client = axios.create({
      timeout: this.httpTimeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      validateStatus: () => true,
      maxRedirects: 0,
    });
    this.endpoint = {
      http: client,
      tokenUrl: o.tokenUrl,
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      logger: o.logger,
      clock: this.clock,
    };
  }

  /** A valid access token for the realm, refreshing (cluster-serialized) when expired or within the margin. */
  async getAccessToken(realmId: string): Promise<string> {
    this.assertOpen();
    const cached = this.cache.get(realmId);
    if (cached && this.isFresh(cached)) return cached.token;

    // Another process may have refreshed already: a plain read is cheaper than taking the lock.
    const stored = await this.decrypting(realmId, () => readTokens(this.db, this.key, realmId));
    // Another process was told invalid_grant for this very refresh token: asking again is futile.
    if (stored && isRefreshTokenDead(stored, this.now())) throw new InvalidGrantError(realmId);
    const fromStore = stored && this.toCached(stored);
    if (fromStore && this.isFresh(fromStore)) {
      this.remember(realmId, fromStore);
      return fromStore.token;
    }
    return this.refreshShared(realmId, undefined);
  }

  /** Called after a 401 with the token that was rejected: refreshes once unless another process already did, and returns the new token. */
  async refreshAfterUnauthorized(realmId: string, rejectedToken: string): Promise<string> {
    this.assertOpen();
    const cached = this.cache.get(realmId);
    // Several requests of this process fail with the same token: the first one's refresh serves
    // the others. Only a token this provider itself replaced proves the cached one is newer.
    if (cached && cached.expiresAtMs > this.clock.now() && this.replaced.has(realmId, rejectedToken)) {
      return cached.token;
    }
    if (cached?.token === rejectedToken) {
      // Known bad: getAccessToken must not hand it out while the refresh is under way.
      this.cache.delete(realmId);
      this.replaced.add(realmId, rejectedToken);
    }
    return this.refreshShared(realmId, rejectedToken);
  }

  /** Waits for refreshes under way (so their commits land), then refuses new calls. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflight.values()]);
    this.cache.clear();
    this.replaced.clear();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** A stored token that cannot be decrypted needs the right key or a new token: say which realm. */
  private async decrypting<T>(realmId: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof TokenDecryptError) throw new UndecryptableTokenError(realmId, err);
      throw err;
    }
  }

  private remember(realmId: string, next: CachedToken): void {
    const previous = this.cache.get(realmId);
    if (previous && previous.token !== next.token) this.replaced.add(realmId, previous.token);
    this.cache.set(realmId, next);
  }

  /** One token-endpoint call, counted by outcome for the operators' metrics. */
  private async countedRefresh(realmId: string, refreshToken: string) {
    const count = (outcome: string) =>
      (this.o.metrics ?? NO_METRICS).inc(TOKEN_REFRESHES, { realm: realmId, outcome });
    try {
      const refreshed = await callTokenEndpoint(this.endpoint, realmId, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
      const rotated = refreshed.refreshToken !== undefined && refreshed.refreshToken !== refreshToken;
      count(rotated ? 'rotated' : 'ok');
      return refreshed;
    } catch (err) {
      count(
        err instanceof InvalidGrantError
          ? 'invalid_grant'
          : err instanceof InvalidClientError
            ? 'invalid_client'
            : 'error',
      );
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('AccessTokenProvider is closed');
  }

  private isFresh(t: CachedToken): boolean {
    const margin = Math.min(this.marginMs, t.lifetimeMs / 2);
    return t.expiresAtMs - this.clock.now() > margin;
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  private toCached(stored: StoredTokens): CachedToken | undefined {
    if (stored.accessToken === null || stored.accessTokenExpiresAt === null) return undefined;
    const expiresAtMs = stored.accessTokenExpiresAt.getTime();
    // refreshed_at and the expiry were written together by one process, so their gap is the lifetime.
    const issuedAtMs = stored.refreshedAt?.getTime() ?? expiresAtMs - ACCESS_TOKEN_DEFAULTS.assumedLifetimeMs;
    return { token: stored.accessToken, expiresAtMs, lifetimeMs: Math.max(0, expiresAtMs - issuedAtMs) };
  }

  /** One refresh per realm in flight in this process; later callers join it. */
  private async refreshShared(realmId: string, rejectedToken: string | undefined): Promise<string> {
    for (;;) {
      const existing = this.inflight.get(realmId);
      if (!existing) break;
      const token = await existing;
      // A refresh begun for another reason may hand back the very token that was just rejected.
      if (rejectedToken === undefined || token !== rejectedToken) return token;
    }
    const flight = this.refreshLocked(realmId, rejectedToken).finally(() => this.inflight.delete(realmId));
    this.inflight.set(realmId, flight);
    return flight;
  }

  private async refreshLocked(realmId: string, rejectedToken: string | undefined): Promise<string> {
    if (this.clientRefused) throw this.clientRefused;
    // Bounded wait for the lock: a holder is itself bounded by the HTTP timeout, so waiting much
    // longer than that means something is wrong, and the job should fail and retry instead.
    const lockTimeoutMs = this.httpTimeoutMs * 2 + 10_000;
    let result: CachedToken | InvalidGrantError;
    try {
      result = await this.db.transaction().execute(async (trx) => {
        await sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
        const bootstrap = this.o.initialRefreshTokenRealmId ?? realmId;
        if (this.o.initialRefreshToken && bootstrap === realmId) {
          const inserted = await insertRefreshTokenIfMissing(
            trx,
            this.key,
            realmId,
            this.o.initialRefreshToken,
          );
          if (inserted) this.log.info({ realmId }, 'stored the initial refresh token (QBO_REFRESH_TOKEN)');
        }
        const stored = await lockTokens(trx, this.key, realmId);
        // Read after the lock, so a disconnection committed while we waited is seen; throwing rolls
        // back the bootstrap above: QBO_REFRESH_TOKEN must not bring back a disconnected realm.
        const disconnected = await findDisconnection(trx, realmId);
        if (disconnected) throw new RealmDisconnectedError(disconnected);
        if (!stored) throw new MissingRefreshTokenError(realmId);
        // The holder before us was told invalid_grant for this refresh token and said so durably:
        // one token-endpoint call per rejected token across the whole cluster, not one per waiter.
        if (isRefreshTokenDead(stored, this.now())) return new InvalidGrantError(realmId);

        const current = this.toCached(stored);
        if (current) {
          const usable =
            rejectedToken === undefined
              ? this.isFresh(current)
              : current.token !== rejectedToken && current.expiresAtMs > this.clock.now();
          if (usable) return current;
        }

        let refreshed;
        try {
          refreshed = await this.countedRefresh(realmId, stored.refreshToken);
        } catch (err) {
          if (!(err instanceof InvalidGrantError)) throw err;
          // Committed, not rolled back: the processes waiting for this lock must see the refusal.
          await markRefreshRejected(trx, realmId, this.now());
          return err;
        }
        // Stored before the commit and before anyone uses it: if this process dies now, nothing
        // was used, and the old refresh token still works during Intuit's grace period.
        await saveRefreshedTokens(trx, this.key, realmId, {
          accessToken: refreshed.token,
          accessTokenExpiresAt: new Date(refreshed.expiresAtMs),
          refreshToken: refreshed.refreshToken ?? stored.refreshToken,
          refreshTokenExpiresAt: refreshed.refreshTokenExpiresAt,
          refreshTokenHardExpiresAt: refreshed.refreshTokenHardExpiresAt,
          rotated: refreshed.refreshToken !== undefined && refreshed.refreshToken !== stored.refreshToken,
          refreshedAt: new Date(refreshed.issuedAtMs),
        });
        return {
          token: refreshed.token,
          expiresAtMs: refreshed.expiresAtMs,
          lifetimeMs: refreshed.lifetimeMs,
        };
      });
    } catch (err) {
      // 55P03 lock_not_available: the holder took longer than lock_timeout.
      if ((err as { code?: unknown }).code === '55P03') {
        throw new TokenRefreshError(`timed out waiting for another process to refresh realm ${realmId}`);
      }
      if (err instanceof TokenDecryptError) throw new UndecryptableTokenError(realmId, err);
      if (err instanceof InvalidClientError) this.clientRefused = err;
      throw err;
    }
    if (result instanceof InvalidGrantError) {
      this.cache.delete(realmId);
      throw result;
    }
    this.remember(realmId, result);
    return result.token;
  }
}
