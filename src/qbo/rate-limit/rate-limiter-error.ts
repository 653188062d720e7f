import { RetryWindowError } from '../../model/errors/index.js';
import { StoreUnreachableError } from '../../infra/store-outage.js';

/**
 * A call failed because of the limiter; the scheduled function's own errors pass through as they
 * are. The request may succeed later: another worker takes the job (CLOSED, on shutdown), the
 * next request holds its slot less long (EXPIRED).
 */
export class RateLimiterError extends RetryWindowError {
  constructor(
    readonly code: 'CLOSED' | 'EXPIRED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The limiter could not reach Redis, where the realms' shared budget lives: Redis is away, not
 * QBO. A window waits for it to come back, without using up an attempt.
 */
export class RateLimiterUnavailableError extends StoreUnreachableError {
  readonly code = 'UNAVAILABLE';
  readonly store = 'redis';
}
