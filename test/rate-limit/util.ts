import type { RateLimiterOptions } from '../../src/qbo/rate-limit/rate-limiter.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A limiter's options under a fresh prefix, scaled down as these tests run limiters: 100 requests
 * a 1 s window, one at a time, on the shared Redis, unless `options` says otherwise. The prefix is
 * added to `prefixes` (the file's clean-up) when given.
 */
export function limiterOptions(
  label: string,
  options: Partial<RateLimiterOptions> = {},
  prefixes?: string[],
): RateLimiterOptions {
  const prefix = uniquePrefix(label);
  prefixes?.push(prefix);
  return {
    redisUrl: TEST_REDIS_URL,
    prefix,
    requestsPerMinute: 100,
    maxConcurrent: 1,
    windowMs: 1000,
    ...options,
  };
}
