/**
 * What a backfill will cost in QBO requests, before it is enqueued (`enqueue --dry-run`).
 *
 * Record volumes are only known to QBO, so a plan has a range. The least: one request per window
 * (its first page): one per entity for an adaptive plan, whose windows cover the whole range and
 * split only where the data is dense. The most a sparse company costs: one request per entity and
 * UTC day, what a plan of day windows (`--windows day`) always costs. Dense data adds about one
 * request per page of records on top of either. Duration: requests at the realm's paced budget
 * (the limiter spaces requests by pacingIntervalMs). Quota: Intuit meters reads per app and month.
 */
import { pacingIntervalMs } from '../../qbo/rate-limit/pacing.js';

export interface Forecast {
  /** At least this many requests (one per window of the plan). */
  requests: number;
  /** The per-day worst case for data of at most a page a day: one per entity and UTC day. */
  perDayRequests: number;
  /** Minutes the least takes at the realm budget, all workers together. */
  minutes: number;
  /** Minutes the per-day count takes. */
  perDayMinutes: number;
  /** Share of the monthly read quota of the least, 0..1+. */
  quotaShare: number;
  /** Share of the monthly read quota of the per-day count. */
  perDayQuotaShare: number;
  monthlyReadQuota: number;
  requestsPerMinute: number;
}

export function forecastBackfill(
  plan: { jobs: number; perDayJobs: number },
  settings: { requestsPerMinute: number; monthlyReadQuota: number },
): Forecast {
  const minutes = (n: number) => (n * pacingIntervalMs(60_000, settings.requestsPerMinute)) / 60_000;
  return {
    requests: plan.jobs,
    perDayRequests: plan.perDayJobs,
    minutes: minutes(plan.jobs),
    perDayMinutes: minutes(plan.perDayJobs),
    quotaShare: plan.jobs / settings.monthlyReadQuota,
    perDayQuotaShare: plan.perDayJobs / settings.monthlyReadQuota,
    monthlyReadQuota: settings.monthlyReadQuota,
    requestsPerMinute: settings.requestsPerMinute,
  };
}

const duration = (minutes: number) =>
  minutes >= 90 ? `${(minutes / 60).toFixed(1)} h` : `${Math.max(1, Math.ceil(minutes))} min`;
const percent = (share: number) => `${(share * 100).toFixed(2)}%`;

/** The dry run's lines about cost. */
export function forecastText(f: Forecast): string[] {
  if (f.requests === f.perDayRequests) {
    return [
      `needs at least ${f.requests} QBO requests (one per window; each further page of a day adds one, and a COUNT)`,
      `takes at least ${duration(f.minutes)} at the realm budget of ${f.requestsPerMinute} requests/min`,
      `uses at least ${percent(f.quotaShare)} of the monthly read quota (${f.monthlyReadQuota})`,
    ];
  }
  return [
    `needs ${f.requests} to ${f.perDayRequests} QBO requests (one per entity for data that fits a page, up to one per entity and UTC day; each further page of records adds about one)`,
    `takes ${duration(f.minutes)} to ${duration(f.perDayMinutes)} at the realm budget of ${f.requestsPerMinute} requests/min`,
    `uses ${percent(f.quotaShare)} to ${percent(f.perDayQuotaShare)} of the monthly read quota (${f.monthlyReadQuota})`,
  ];
}
