/**
 * How far a request's actual start may lag the start the limiter reserved for it (timer and
 * event-loop delay, a Redis round trip) without letting a sliding window hold one request too many.
 *
 * The cluster-wide limiter reserves start times at least `minTime` apart. If requests started
 * exactly when reserved, `minTime = windowMs / budget` would be enough: budget + 1 starts span at
 * least `budget * minTime = windowMs`. Real starts lag by a few milliseconds, unevenly; when the
 * first start of a run lags more than the last, the run looks shorter than reserved. Spacing the
 * reservations by `(windowMs + allowance) / budget` instead leaves `allowance` of slack over a
 * whole window: at 500 per 60 s, QBO's own limit, that is 121 ms instead of 120 ms, which
 * tolerates 250 ms of uneven lag (without it, 4 × 429 in a bench at that budget).
 *
 * A budget under QBO's limit already leaves that slack: at the default 480 a minute, 20 requests
 * (2.5 s of starts) separate the budget from a 429. So the allowance a budget needs is only what its
 * gap to QBO's 500 does not cover ({@link startLagAllowanceMs}): none at 480, which paces at 125 ms
 * (480 a minute at most) instead of 126 ms (476), 0.8% of QBO's limit given back.
 *
 * Whole milliseconds, rounded up: Bottleneck's scripts add `minTime` to the next start and pass the
 * sum to PEXPIRE, which refuses a fraction ("ERR value is not an integer"): every request of the
 * realm would fail.
 * @defaultValue 250
 */
export const START_LAG_ALLOWANCE_MS = 250;

/** QBO's limit per realm: requests per sliding minute (see qbo-facts in the docs). */
export const QBO_REQUESTS_PER_MINUTE = 500;

/**
 * The start-lag allowance a budget of `requestsPerWindow` per `windowMs` needs: the
 * {@link START_LAG_ALLOWANCE_MS}, less the time its gap to QBO's limit already leaves (a budget per
 * minute only; over any other window QBO's limit is not known, and the whole allowance applies).
 */
export function startLagAllowanceMs(windowMs: number, requestsPerWindow: number): number {
  if (windowMs !== 60_000) return START_LAG_ALLOWANCE_MS;
  const slackMs = Math.max(0, QBO_REQUESTS_PER_MINUTE - requestsPerWindow) * (windowMs / requestsPerWindow);
  return Math.max(0, Math.ceil(START_LAG_ALLOWANCE_MS - slackMs));
}

/**
 * The spacing between two request starts, cluster-wide, that keeps every sliding window of
 * `windowMs` at or under `requestsPerWindow` requests, even when starts lag their reservation unevenly
 * by up to `allowanceMs` (default: what the budget needs, {@link startLagAllowanceMs}).
 */
export function pacingIntervalMs(
  windowMs: number,
  requestsPerWindow: number,
  allowanceMs: number = startLagAllowanceMs(windowMs, requestsPerWindow),
): number {
  return Math.ceil((windowMs + allowanceMs) / requestsPerWindow);
}
