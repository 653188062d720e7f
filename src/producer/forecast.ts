/**
 * What a backfill will cost in QBO requests, before it is enqueued (`enqueue --dry-run`).
 *
 * Every window costs at least one request (its first page); a window with more records than a page
 * costs one more page per further `pageSize` records and one COUNT to reconcile. Record volumes are
 * only known to QBO, so the forecast is the lower bound, one request per window, and says so.
 * Duration: requests at the realm's paced budget (the limiter spaces requests by
 * pacingIntervalMs). Quota: Intuit meters reads per app and month as well.
 */
import { pacingIntervalMs } from '../workers/rate-limit/pacing.js';

export interface Forecast {
  /** At least this many requests (one per window). */
  requests: number;
  /** Minutes those requests take at the realm budget, all workers together. */
  minutes: number;
  /** Share of the monthly read quota, 0..1+. */
  quotaShare: number;
  monthlyReadQuota: number;
  requestsPerMinute: number;
}

export function forecastBackfill(
  jobs: number,
  settings: { requestsPerMinute: number; monthlyReadQuota: number },
): Forecast {
  const requests = jobs;
  const minutes = (requests * pacingIntervalMs(60_000, settings.requestsPerMinute)) / 60_000;
  return {
    requests,
    minutes,
    quotaShare: requests / settings.monthlyReadQuota,
    monthlyReadQuota: settings.monthlyReadQuota,
    requestsPerMinute: settings.requestsPerMinute,
  };
}

/** The dry run's lines about cost. */
export function forecastText(f: Forecast): string[] {
  const duration =
    f.minutes >= 90 ? `${(f.minutes / 60).toFixed(1)} h` : `${Math.max(1, Math.ceil(f.minutes))} min`;
  return [
    `needs at least ${f.requests} QBO requests (one per window; each further page of a day adds one, and a COUNT)`,
    `takes at least ${duration} at the realm budget of ${f.requestsPerMinute} requests/min`,
    `uses at least ${(f.quotaShare * 100).toFixed(2)}% of the monthly read quota (${f.monthlyReadQuota})`,
  ];
}
