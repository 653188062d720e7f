import type { Clock } from '@qbo-backfill/clock';
import { requireValue, type Config } from '../../config/config.js';
import { QBO_ENVIRONMENTS } from '../../config/qbo-environments.js';
import type { MetricsRecorder } from '../../infra/cluster-metrics.js';
import type { Db } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';

/** Defaults of the access token provider, declared once. */
export const ACCESS_TOKEN_DEFAULTS = Object.freeze({
  /**
   * Refresh this many seconds before the access token expires, so a token never expires in the
   * middle of a page request. Capped at half the token's lifetime, so short-lived tokens are not
   * refreshed on every call. @defaultValue 300
   */
  refreshMarginSeconds: 300,
  /** Timeout of one token-endpoint call; the row lock is held meanwhile, so keep it bounded. @defaultValue 30000 */
  httpTimeoutMs: 30_000,
  /**
   * The lifetime taken for a stored access token whose refresh time is unknown: QBO's access
   * tokens live an hour. @defaultValue 3600000
   */
  assumedLifetimeMs: 3_600_000,
});

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
  /** Cluster-wide count of token-endpoint calls by outcome. Default: none recorded. */
  metrics?: MetricsRecorder;
  /** See {@link ACCESS_TOKEN_DEFAULTS.refreshMarginSeconds}. */
  refreshMarginSeconds?: number;
  /** See {@link ACCESS_TOKEN_DEFAULTS.httpTimeoutMs}. */
  httpTimeoutMs?: number;
  /** What token ages and expiries are measured by. Default: the system clock. */
  clock?: Clock;
}

/** `QBO_REFRESH_TOKEN` as the provider takes it, bound to `QBO_REALM_ID` where QBO binds it. */
export function initialRefreshTokenOptions(
  config: Pick<Config, 'qbo'>,
): Pick<AccessTokenProviderOptions, 'initialRefreshToken' | 'initialRefreshTokenRealmId'> {
  return {
    initialRefreshToken: config.qbo.refreshToken,
    // At Intuit a refresh token belongs to one company; the emulator's opens each of its realms.
    ...(!QBO_ENVIRONMENTS[config.qbo.environment].refreshTokenOpensEveryRealm &&
    config.qbo.realmId !== undefined
      ? { initialRefreshTokenRealmId: config.qbo.realmId }
      : {}),
  };
}

/**
 * The app's credentials and the token store's key, required: a process that refreshes tokens
 * stops at start without them, with the variable to set.
 */
export function appCredentials(
  config: Pick<Config, 'qbo' | 'tokenEncryptionKey'>,
): Pick<AccessTokenProviderOptions, 'clientId' | 'clientSecret' | 'encryptionKey'> {
  return {
    clientId: requireValue(config.qbo.clientId, 'QBO_CLIENT_ID', "expected the app's OAuth client id"),
    clientSecret: requireValue(
      config.qbo.clientSecret,
      'QBO_CLIENT_SECRET',
      "expected the app's OAuth client secret",
    ),
    encryptionKey: requireValue(
      config.tokenEncryptionKey,
      'TOKEN_ENCRYPTION_KEY',
      'expected a key of at least 32 characters to encrypt stored tokens',
    ),
  };
}
