import type { Db } from '../../infra/db.js';
import { listRuns } from './run-list.js';
import { bothZones, utcInstant } from '../../infra/time-format.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { planDays } from '../plan/dates.js';
import { planJobs } from '../plan/enqueue.js';
import { forecastBackfill } from '../plan/forecast.js';

export interface RunStatusSummary {
  runId: string;
  realmId: string;
  entities: string[];
  from: string;
  to: string;
  startAt: string;
  status: string;
  statusReason: string | null;
  windows: Record<string, number>;
  createdAt: string;
  finishedAt: string | null;
  /** `adaptive` or `day`. */
  plan: string;
  /** QBO requests the run's committed reads took so far. */
  requests: number;
  /**
   * What the plan costs: from one request per window as planned to one per entity and UTC day,
   * and the share of the monthly read quota of each.
   */
  forecast: { minRequests: number; perDayRequests: number; minQuotaShare: number; perDayQuotaShare: number };
  /** Windows that failed, with their error (only with `--run`). */
  failures?: { entity: string; day: string; attempts: number; error: string | null }[];
}

/** The latest runs (or one run) with their windows counted by state. */
/** Defaults of `status`, declared once. */
export const STATUS_DEFAULTS = Object.freeze({
  /** Runs listed, newest first, when no run is named. @defaultValue 20 */
  runs: 20,
});

export async function runStatuses(
  db: Db,
  /** The budget and quota the forecast is measured against (the configuration's). */
  quota: { requestsPerMinute: number; monthlyReadQuota: number },
  runId?: string,
  limit: number = STATUS_DEFAULTS.runs,
): Promise<RunStatusSummary[]> {
  const runs = await listRuns(db, { ...(runId !== undefined ? { runId } : {}), limit });
  if (runId !== undefined && runs.length === 0) throw new UsageError(`--run: no run ${quoteInput(runId)}`);
  const failures =
    runId === undefined
      ? []
      : await db
          .selectFrom('ops.windows')
          .select(['entity', 'day', 'attempts', 'error'])
          .where('run_id', '=', runId)
          .where('status', '=', 'failed')
          .orderBy('entity')
          .orderBy('day')
          .execute();
  return runs.map((r) => {
    const days = planDays(r.rangeStart, r.rangeEnd);
    const f = forecastBackfill(
      {
        jobs: planJobs(r.entities, days, r.windowsPlan === 'adaptive' ? 'adaptive' : 'day'),
        perDayJobs: planJobs(r.entities, days, 'day'),
      },
      quota,
    );
    return {
      runId: r.runId,
      realmId: r.realmId,
      entities: r.entities,
      from: utcInstant(r.rangeStart),
      to: utcInstant(r.rangeEnd),
      startAt: utcInstant(r.startAt),
      status: r.status,
      statusReason: r.statusReason,
      windows: r.windows,
      createdAt: utcInstant(r.createdAt),
      finishedAt: r.finishedAt ? utcInstant(r.finishedAt) : null,
      plan: r.windowsPlan,
      requests: r.requests,
      forecast: {
        minRequests: f.requests,
        perDayRequests: f.perDayRequests,
        minQuotaShare: Math.round(f.quotaShare * 10_000) / 10_000,
        perDayQuotaShare: Math.round(f.perDayQuotaShare * 10_000) / 10_000,
      },
      ...(runId !== undefined ? { failures } : {}),
    };
  });
}

const pct = (share: number) => `${(share * 100).toFixed(2)}%`;

export function statusText(runs: RunStatusSummary[], timeZone: string): string {
  if (runs.length === 0) return 'no runs yet';
  return runs
    .map((r) => {
      const states = Object.entries(r.windows)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ');
      const lines = [
        `${r.runId}  ${r.status}${r.statusReason ? ` (${r.statusReason})` : ''}`,
        `  realm ${r.realmId}  ${r.entities.join(',')}  ${r.from} to ${r.to}`,
        `  starts ${bothZones(new Date(r.startAt), timeZone)}`,
        `  windows: ${states || 'none'}`,
        `  requests: ${r.requests} so far; the ${r.plan} plan needs ${r.forecast.minRequests === r.forecast.perDayRequests ? `at least ${r.forecast.minRequests}` : `${r.forecast.minRequests} to ${r.forecast.perDayRequests}`} ` +
          `(${pct(r.forecast.minQuotaShare)}${r.forecast.minRequests === r.forecast.perDayRequests ? '' : ` to ${pct(r.forecast.perDayQuotaShare)}`} of the monthly read quota)`,
      ];
      for (const f of r.failures ?? [])
        lines.push(`  failed ${f.entity} ${f.day} after ${f.attempts} attempt(s): ${f.error ?? ''}`);
      return lines.join('\n');
    })
    .join('\n\n');
}

/**
 * QBO reads this UTC month per realm (counted by the workers' shared limiter), against the app's
 * monthly read quota, which Intuit meters across all realms of the app.
 */
export function monthlyReadsText(reads: Record<string, number>, quota: number, now = new Date()): string {
  const month = now.toISOString().slice(0, 7);
  const realms = Object.entries(reads).sort(([a], [b]) => a.localeCompare(b));
  const total = realms.reduce((n, [, v]) => n + v, 0);
  const share = (n: number) => `${((n / quota) * 100).toFixed(2)}%`;
  return [
    `QBO reads in ${month} (UTC): ${total} of the monthly quota ${quota} (${share(total)})`,
    ...realms.map(([realm, n]) => `  realm ${realm}: ${n} (${share(n)})`),
  ].join('\n');
}
