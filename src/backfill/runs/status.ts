import type { Db } from '../../infra/db.js';
import { listRuns } from './run-list.js';
import { escapeControls, plural } from '../../infra/terminal-text.js';
import { bothZones, shortDuration, utcDayRange, utcInstant } from '../../infra/time-format.js';
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
  /** Rows fetched so far. */
  rowsFetched: number;
  /** Entity-days the run covers (one per entity and UTC day; one for an entity read whole). */
  entityDays: number;
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
    const entityDays = planJobs(r.entities, days, 'day');
    const f = forecastBackfill(
      {
        jobs: planJobs(r.entities, days, r.windowsPlan === 'adaptive' ? 'adaptive' : 'day'),
        perDayJobs: entityDays,
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
      rowsFetched: r.rowsFetched,
      entityDays,
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

const LIVE = new Set(['scheduled', 'running']);

/** When the run starts, started and ended: a countdown while it waits, how long it took once ended. */
function timing(r: RunStatusSummary, timeZone: string, now: Date): string {
  const start = new Date(r.startAt);
  const since = (from: Date, to: Date) =>
    shortDuration(Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)));
  if (r.finishedAt !== null) {
    const end = new Date(r.finishedAt);
    return `started ${bothZones(start, timeZone)}; ended ${utcInstant(end)}, took ${since(start, end)}`;
  }
  if (start > now) return `starts ${bothZones(start, timeZone)}, in ${since(now, start)}`;
  return `started ${bothZones(start, timeZone)}, running for ${since(start, now)}`;
}

/**
 * The runs as a person reads them: per run its state, range, timing, windows (reads, one job
 * each) against entity-days (one entity on one UTC day, report's unit), rows and requests.
 */
export function statusText(
  runs: RunStatusSummary[],
  timeZone: string,
  now = new Date(),
  /** The list's length limit, to say how to see more when it was reached. */
  limit?: number,
): string {
  if (runs.length === 0) return 'no runs yet';
  const head =
    limit !== undefined && runs.length >= limit
      ? [`the newest ${limit} runs (qbo-backfill status --limit N shows more)`, '']
      : [];
  const blocks = runs.map((r) => {
    const live = LIVE.has(r.status);
    const total = Object.values(r.windows).reduce((n, c) => n + c, 0);
    const done = total - (r.windows.pending ?? 0) - (r.windows.running ?? 0);
    const states = Object.entries(r.windows)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ');
    const needs =
      r.forecast.minRequests === r.forecast.perDayRequests
        ? `at least ${r.forecast.minRequests} (${pct(r.forecast.minQuotaShare)}`
        : `${r.forecast.minRequests} to ${r.forecast.perDayRequests} (${pct(r.forecast.minQuotaShare)} to ${pct(r.forecast.perDayQuotaShare)}`;
    const lines = [
      `${r.runId}  ${r.status}${r.statusReason ? ` (${escapeControls(r.statusReason)})` : ''}`,
      `  realm ${r.realmId}  ${r.entities.join(',')}  ${utcDayRange(new Date(r.from), new Date(r.to))}`,
      `  ${timing(r, timeZone, now)}`,
      `  windows: ${done} of ${total} done${states ? ` (${states})` : ''}, for ${plural(r.entityDays, 'entity-day')}; ${plural(r.rowsFetched, 'row')}`,
      `  QBO requests: ${r.requests}${live ? ' so far' : ''}; the ${r.plan} plan ${live ? 'needs' : 'needed'} ${needs} of the monthly read quota)`,
    ];
    for (const f of r.failures ?? [])
      lines.push(
        `  failed ${f.entity} ${f.day} after ${plural(f.attempts, 'attempt')}: ${escapeControls(f.error ?? '')}`,
      );
    return lines.join('\n');
  });
  return [...head, blocks.join('\n\n')].join('\n');
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
