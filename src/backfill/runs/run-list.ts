import type { RunReportEntry } from './report-reports.js';
import { sql } from 'kysely';
import type { Db } from '../../infra/db.js';
import { buildReport, type WindowReport } from './report.js';

/** One run as the run list shows it: its status and how far its windows have got. */
export interface RunRow {
  runId: string;
  realmId: string;
  entities: string[];
  rangeStart: Date;
  rangeEnd: Date;
  startAt: Date;
  status: string;
  statusReason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** Windows by status. */
  windows: Record<string, number>;
  totalWindows: number;
  rowsFetched: number;
  /** How the windows were planned (`adaptive` or `day`). */
  windowsPlan: string;
  /** QBO requests the run's committed reads took so far. */
  requests: number;
}

/** How many runs the list shows, newest first. */
export const RUN_LIST_LIMIT = 100;

/**
 * The newest runs (or the one run asked for) with their windows counted by status, in two
 * aggregate queries however many windows the runs have.
 */
export async function listRuns(db: Db, options: { runId?: string; limit?: number } = {}): Promise<RunRow[]> {
  let query = db
    .selectFrom('ops.runs')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(options.limit ?? RUN_LIST_LIMIT);
  if (options.runId !== undefined) query = query.where('run_id', '=', options.runId);
  const runs = await query.execute();
  if (runs.length === 0) return [];
  const counts = await db
    .selectFrom('ops.windows')
    .select([
      'run_id',
      'status',
      sql<number>`count(*)::int`.as('n'),
      sql<string>`coalesce(sum(rows_fetched), 0)::bigint`.as('rows'),
      sql<string>`coalesce(sum(requests), 0)::bigint`.as('requests'),
    ])
    .where(
      'run_id',
      'in',
      runs.map((r) => r.run_id),
    )
    .groupBy(['run_id', 'status'])
    .execute();
  return runs.map((r) => {
    const mine = counts.filter((c) => c.run_id === r.run_id);
    return {
      runId: r.run_id,
      realmId: r.realm_id,
      entities: r.entities,
      rangeStart: r.range_start_utc,
      rangeEnd: r.range_end_utc,
      startAt: r.start_at_utc,
      status: r.status,
      statusReason: r.status_reason,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      windows: Object.fromEntries(mine.map((c) => [c.status, c.n])),
      totalWindows: mine.reduce((n, c) => n + c.n, 0),
      // bigint comes back from pg as a string.
      rowsFetched: mine.reduce((n, c) => n + Number(c.rows), 0),
      windowsPlan: r.windows_plan,
      requests: mine.reduce((n, c) => n + Number(c.requests), 0),
    };
  });
}

/**
 * One run and every one of its entity-days (as `report` lists them), or undefined when there is
 * no such run. Both are read in one snapshot, so the run's counts and its days agree while its
 * windows move on.
 */
export async function loadRun(
  db: Db,
  runId: string,
): Promise<{ run: RunRow; windows: WindowReport[]; reports: RunReportEntry[] } | undefined> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const [run] = await listRuns(trx, { runId, limit: 1 });
      if (!run) return undefined;
      const { windows, reports } = await buildReport(trx, runId);
      return { run, windows, reports: reports ?? [] };
    });
}
