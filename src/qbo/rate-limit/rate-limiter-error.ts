import type { Outcome } from '../../model/outcome.js';

/** Why the limiter, rather than the scheduled function, failed a call. */
export type RateLimiterErrorCode = 'UNAVAILABLE' | 'CLOSED' | 'EXPIRED';

/**
 * A call failed because of the limiter; the scheduled function's own errors pass through as they
 * are. Whatever the code, the request may succeed later: Redis comes back (UNAVAILABLE), another
 * worker takes the job (CLOSED, on shutdown), the next request holds its slot less long (EXPIRED).
 */
export class RateLimiterError extends Error {
  override readonly name = 'RateLimiterError';
  readonly outcome: Outcome = 'retry-window';
  constructor(
    readonly code: RateLimiterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
