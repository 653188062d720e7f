import type { Config } from '../config/config.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { AccessTokenProvider } from '../qbo/auth/access-tokens.js';
import { appCredentials, initialRefreshTokenOptions } from '../qbo/auth/access-token-options.js';
import { QboClient } from '../qbo/qbo-client.js';
import { applyBottleneckRedis7Patch } from '../qbo/rate-limit/bottleneck-redis7.js';
import { RealmRateLimiter } from '../qbo/rate-limit/rate-limiter.js';
import { limiterOptions } from '../qbo/rate-limit/limiter-options.js';

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
  const limiter = new RealmRateLimiter(limiterOptions(config, logger));
  const tokens = new AccessTokenProvider({
    db,
    tokenUrl: config.qbo.tokenUrl,
    ...appCredentials(config),
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
