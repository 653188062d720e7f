import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { sql } from 'kysely';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/logger.js';
import {
  insertRefreshTokenIfMissing,
  lockTokens,
  readTokens,
  saveRefreshedTokens,
  type StoredTokens,
} from '../shared/token-store.js';

export interface AccessTokenProviderOptions {
  /** The token store's database (the provider never closes it). */
  db: Db;
  /** OAuth token endpoint (`config.qbo.tokenUrl`). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** 32-byte AES-256-GCM key (`config.tokenEncryptionKey`). */
  encryptionKey: Buffer;
  /** `QBO_REFRESH_TOKEN`: stored only when the realm has no row yet; the store's newest token wins after that. */
  initialRefreshToken?: string;
  /**
   * The realm `initialRefreshToken` belongs to (`QBO_REALM_ID`). A QBO refresh token opens one
   * company only, so other realms never bootstrap from it. Default: any realm (the emulator's
   * tokens open every company it serves).
   */
  initialRefreshTokenRealmId?: string;
  logger: Logger;
  /**
   * Refresh this many seconds before the access token expires, so a token never expires in the
   * middle of a page request. Capped at half the token's lifetime, so short-lived tokens are not
   * refreshed on every call. Default 300.
   */
  refreshMarginSeconds?: number;
  /** Timeout of one token-endpoint call; the row lock is held meanwhile, so keep it bounded. Default 30000. */
  httpTimeoutMs?: number;
}

/** QBO refused the refresh token (bad, expired or superseded). Not retryable: an operator must act. */
export class InvalidGrantError extends Error {
  override readonly name = 'InvalidGrantError';
  readonly retryable = false;
  constructor(readonly realmId: string) {
    super(
      `QBO rejected the refresh token for realm ${realmId} (invalid_grant): reconnect the app and store a new refresh token with: qbo-backfill auth set --realm ${realmId}`,
    );
  }
}

/** A refresh failed for another reason: network and 5xx/429 are retryable, other 4xx are not. */
export class TokenRefreshError extends Error {
  override readonly name = 'TokenRefreshError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The realm has no stored refresh token and no `QBO_REFRESH_TOKEN` to start from. */
export class MissingRefreshTokenError extends Error {
  override readonly name = 'MissingRefreshTokenError';
  readonly retryable = false;
  constructor(readonly realmId: string) {
    super(
      `no refresh token stored for realm ${realmId} and QBO_REFRESH_TOKEN is not set: store one with: qbo-backfill auth set --realm ${realmId}`,
    );
  }
}

/** How many replaced tokens per realm are remembered; 401s arrive within seconds of a refresh. */
const REPLACED_KEPT = 8;

/** A token's identity without keeping the token itself around longer than needed. */
function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

interface CachedToken {
  token: string;
  expiresAtMs: number;
  /** How long the token lived when issued; bounds the refresh margin (see refreshMarginSeconds). */
  lifetimeMs: number;
}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  x_refresh_token_expires_in?: number;
}

function isTokenResponse(body: unknown): body is TokenResponse {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.access_token === 'string' &&
    b.access_token !== '' &&
    typeof b.expires_in === 'number' &&
    b.expires_in > 0 &&
    (b.refresh_token === undefined || (typeof b.refresh_token === 'string' && b.refresh_token !== '')) &&
    (b.x_refresh_token_expires_in === undefined || typeof b.x_refresh_token_expires_in === 'number')
  );
}

/** The OAuth `error` code of a 4xx body, when it looks like one (never echo arbitrary body text). */
function oauthErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>).error;
  return typeof error === 'string' && /^[a-z_]{1,64}$/.test(error) ? error : undefined;
}

function intuitTid(response: AxiosResponse): string | undefined {
  const tid: unknown = response.headers['intuit_tid'];
  return typeof tid === 'string' ? tid : undefined;
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
  private readonly http: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  /** Fingerprints of the last few access tokens this provider replaced, per realm (see refreshAfterUnauthorized). */
  private readonly replaced = new Map<string, string[]>();
  private closed = false;

  constructor(private readonly o: AccessTokenProviderOptions) {
    this.db = o.db;
    this.key = o.encryptionKey;
    this.log = o.logger;
    this.marginMs = (o.refreshMarginSeconds ?? 300) * 1000;
    this.httpTimeoutMs = o.httpTimeoutMs ?? 30_000;
    // Refreshes are hourly at most: no keep-alive, so nothing lingers after close().
    this.agents = {
      http: new http.Agent({ keepAlive: false }),
      https: new https.Agent({ keepAlive: false }),
    };
    this.http = axios.create({
      timeout: this.httpTimeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  /** A valid access token for the realm, refreshing (cluster-serialized) when expired or within the margin. */
  async getAccessToken(realmId: string): Promise<string> {
    this.assertOpen();
    const cached = this.cache.get(realmId);
    if (cached && this.isFresh(cached)) return cached.token;

    // Another process may have refreshed already: a plain read is cheaper than taking the lock.
    const stored = await readTokens(this.db, this.key, realmId);
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
    if (
      cached &&
      cached.expiresAtMs > Date.now() &&
      this.replaced.get(realmId)?.includes(fingerprint(rejectedToken))
    ) {
      return cached.token;
    }
    if (cached?.token === rejectedToken) {
      // Known bad: getAccessToken must not hand it out while the refresh is under way.
      this.cache.delete(realmId);
      this.markReplaced(realmId, rejectedToken);
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

  private remember(realmId: string, next: CachedToken): void {
    const previous = this.cache.get(realmId);
    if (previous && previous.token !== next.token) this.markReplaced(realmId, previous.token);
    this.cache.set(realmId, next);
  }

  private markReplaced(realmId: string, token: string): void {
    const list = this.replaced.get(realmId) ?? [];
    const print = fingerprint(token);
    if (list.includes(print)) return;
    list.push(print);
    if (list.length > REPLACED_KEPT) list.shift();
    this.replaced.set(realmId, list);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('AccessTokenProvider is closed');
  }

  private isFresh(t: CachedToken): boolean {
    const margin = Math.min(this.marginMs, t.lifetimeMs / 2);
    return t.expiresAtMs - Date.now() > margin;
  }

  private toCached(stored: StoredTokens): CachedToken | undefined {
    if (stored.accessToken === null || stored.accessTokenExpiresAt === null) return undefined;
    const expiresAtMs = stored.accessTokenExpiresAt.getTime();
    // refreshed_at and the expiry were written together by one process, so their gap is the lifetime.
    const issuedAtMs = stored.refreshedAt?.getTime() ?? expiresAtMs - 3_600_000;
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
    // Bounded wait for the lock: a holder is itself bounded by the HTTP timeout, so waiting much
    // longer than that means something is wrong, and the job should fail and retry instead.
    const lockTimeoutMs = this.httpTimeoutMs * 2 + 10_000;
    let result: CachedToken;
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
        if (!stored) throw new MissingRefreshTokenError(realmId);

        const current = this.toCached(stored);
        if (current) {
          const usable =
            rejectedToken === undefined
              ? this.isFresh(current)
              : current.token !== rejectedToken && current.expiresAtMs > Date.now();
          if (usable) return current;
        }

        const refreshed = await this.callTokenEndpoint(realmId, stored.refreshToken);
        // Stored before the commit and before anyone uses it: if this process dies now, nothing
        // was used, and the old refresh token still works during Intuit's grace period.
        await saveRefreshedTokens(trx, this.key, realmId, {
          accessToken: refreshed.token,
          accessTokenExpiresAt: new Date(refreshed.expiresAtMs),
          refreshToken: refreshed.refreshToken ?? stored.refreshToken,
          refreshTokenExpiresAt: refreshed.refreshTokenExpiresAt,
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
        throw new TokenRefreshError(
          `timed out waiting for another process to refresh realm ${realmId}`,
          true,
        );
      }
      throw err;
    }
    this.remember(realmId, result);
    return result.token;
  }

  private async callTokenEndpoint(
    realmId: string,
    refreshToken: string,
  ): Promise<
    CachedToken & { issuedAtMs: number; refreshToken?: string; refreshTokenExpiresAt: Date | null }
  > {
    const basic = Buffer.from(`${this.o.clientId}:${this.o.clientSecret}`, 'utf8').toString('base64');
    const issuedAtMs = Date.now();
    let response: AxiosResponse<unknown>;
    try {
      response = await this.http.post<unknown>(
        this.o.tokenUrl,
        new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
        {
          headers: {
            Authorization: `Basic ${basic}`,
            Accept: 'application/json',
            'Content-Type': 'application/x-www-form-urlencoded',
          },
        },
      );
    } catch (err) {
      // Only the code and message: the error object carries the request, with its secrets.
      const code = (err as { code?: unknown }).code;
      const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : 'unknown error';
      this.log.warn({ realmId, code: detail }, 'token refresh request failed');
      throw new TokenRefreshError(`token refresh for realm ${realmId} failed: ${detail}`, true);
    }

    const tid = intuitTid(response);
    const status = response.status;
    if (status === 200 && isTokenResponse(response.data)) {
      const body = response.data;
      const expiresAtMs = issuedAtMs + body.expires_in * 1000;
      const rotated = body.refresh_token !== undefined && body.refresh_token !== refreshToken;
      this.log.info(
        {
          realmId,
          intuitTid: tid,
          accessTokenExpiresInSeconds: body.expires_in,
          refreshTokenRotated: rotated,
        },
        'access token refreshed',
      );
      return {
        token: body.access_token,
        expiresAtMs,
        lifetimeMs: body.expires_in * 1000,
        issuedAtMs,
        ...(body.refresh_token !== undefined ? { refreshToken: body.refresh_token } : {}),
        refreshTokenExpiresAt:
          body.x_refresh_token_expires_in !== undefined
            ? new Date(issuedAtMs + body.x_refresh_token_expires_in * 1000)
            : null,
      };
    }

    const error = oauthErrorCode(response.data);
    this.log.warn({ realmId, status, error, intuitTid: tid }, 'token refresh rejected');
    if (status === 400 && error === 'invalid_grant') throw new InvalidGrantError(realmId);
    if (status === 200) {
      throw new TokenRefreshError(
        `token endpoint answered 200 without a usable token for realm ${realmId}`,
        true,
        200,
      );
    }
    const retryable = status >= 500 || status === 429 || status === 408;
    throw new TokenRefreshError(
      `token refresh for realm ${realmId} failed: HTTP ${status}${error ? ` (${error})` : ''}`,
      retryable,
      status,
    );
  }
}
