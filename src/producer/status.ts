import { sql } from 'kysely';
import type { Db } from '../shared/db.js';
import { bothZones, utcInstant } from '../shared/time-format.js';
import { UsageError } from '../shared/usage-error.js';

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
  /** Windows that failed, with their error (only with `--run`). */
  failures?: { entity: string; day: string; attempts: number; error: string | null }[];
}

/** The latest runs (or one run) with their windows counted by state. */
export async function runStatuses(db: Db, runId?: string, limit = 20): Promise<RunStatusSummary[]> {
  let query = db.selectFrom('ops.runs').selectAll().orderBy('created_at', 'desc').limit(limit);
  if (runId !== undefined) query = query.where('run_id', '=', runId);
  const runs = await query.execute();
  if (runId !== undefined && runs.length === 0)
    throw new UsageError(`--run: no run ${JSON.stringify(runId)}`);
  if (runs.length === 0) return [];
  const counts = await db
    .selectFrom('ops.windows')
    .select(['run_id', 'status', sql<number>`count(*)::int`.as('n')])
    .where(
      'run_id',
      'in',
      runs.map((r) => r.run_id),
    )
    .groupBy(['run_id', 'status'])
    .execute();
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
  return runs.map((r) => ({
    runId: r.run_id,
    realmId: r.realm_id,
    entities: r.entities,
    from: utcInstant(r.range_start_utc),
    to: utcInstant(r.range_end_utc),
    startAt: utcInstant(r.start_at_utc),
    status: r.status,
    statusReason: r.status_reason,
    windows: Object.fromEntries(counts.filter((c) => c.run_id === r.run_id).map((c) => [c.status, c.n])),
    createdAt: utcInstant(r.created_at),
    finishedAt: r.finished_at ? utcInstant(r.finished_at) : null,
    ...(runId !== undefined ? { failures } : {}),
  }));
}

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
