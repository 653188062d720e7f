import type { Config } from '../config/config.js';
import { requireValue } from '../config/config.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { AccessTokenProvider } from '../qbo/auth/access-tokens.js';
import { initialRefreshTokenOptions } from '../qbo/auth/access-token-options.js';
import { QboClient } from '../qbo/qbo-client.js';
import { applyBottleneckRedis7Patch } from '../qbo/rate-limit/bottleneck-redis7.js';
import { RealmRateLimiter } from '../qbo/rate-limit/rate-limiter.js';

export interface QboSession {
  readonly client: QboClient;
  close(): Promise<void>;
}

/**
 * A QBO client for a command that asks QBO itself (reconcile's TrialBalance): through the realm's
 * cluster-wide budget and stored tokens, exactly as a worker's requests go, so a command never
 * spends a budget the workers do not see.
 */
export function openQboSession(config: Config, db: Db, logger: Logger): QboSession {
  applyBottleneckRedis7Patch();
  const limiter = new RealmRateLimiter({
    redisUrl: config.redisUrl,
    redisCluster: config.redisCluster,
    prefix: config.queuePrefix,
    requestsPerMinute: config.requestsPerMinute,
    maxConcurrent: config.maxConcurrent,
    logger,
  });
  const tokens = new AccessTokenProvider({
    db,
    tokenUrl: config.qbo.tokenUrl,
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
    ...initialRefreshTokenOptions(config),
    logger,
  });
  const client = new QboClient({
    baseUrl: config.qbo.baseUrl,
    scheduler: limiter,
    tokens,
    logger,
    maxAttempts: config.qbo.requestAttempts,
  });
  return {
    client,
    async close() {
      await Promise.allSettled([limiter.close(), tokens.close()]);
    },
  };
}
