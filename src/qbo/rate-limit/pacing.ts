/**
 * How far a request's actual start may lag the start the limiter reserved for it (timer and
 * event-loop delay, a Redis round trip) without letting a sliding window hold one request too many.
 *
 * The cluster-wide limiter reserves start times at least `minTime` apart. If requests started
 * exactly when reserved, `minTime = windowMs / budget` would be enough: budget + 1 starts span at
 * least `budget * minTime = windowMs`. Real starts lag by a few milliseconds, unevenly; when the
 * first start of a run lags more than the last, the run looks shorter than reserved. Spacing the
 * reservations by `(windowMs + allowance) / budget` instead leaves `allowance` of slack over a
 * whole window: at the defaults (480 per 60 s) that is 126 ms instead of 125 ms, about 476 requests
 * per minute at most, which tolerates 250 ms of uneven lag.
 */
export const START_LAG_ALLOWANCE_MS = 250;

/**
 * The spacing between two request starts, cluster-wide, that keeps every sliding window of
 * `windowMs` at or under `requestsPerWindow` requests, even when starts lag their reservation unevenly
 * by up to `allowanceMs` (default {@link START_LAG_ALLOWANCE_MS}).
 */
export function pacingIntervalMs(
  windowMs: number,
  requestsPerWindow: number,
  allowanceMs: number = START_LAG_ALLOWANCE_MS,
): number {
  return Math.ceil((windowMs + allowanceMs) / requestsPerWindow);
}
