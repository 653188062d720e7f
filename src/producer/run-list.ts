import { sql } from 'kysely';
import type { Db } from '../shared/db.js';

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
}

/** One window as the run grid shows it. */
export interface WindowCell {
  entity: string;
  day: string;
  status: string;
  pages: number;
  rowsFetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  sourceCount: number | null;
  attempts: number;
  durationMs: number;
  error: string | null;
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
    };
  });
}

/** One run and every one of its windows, or undefined when there is no such run. */
export async function loadRun(
  db: Db,
  runId: string,
): Promise<{ run: RunRow; windows: WindowCell[] } | undefined> {
  const [rows, windows] = await Promise.all([
    listRuns(db, { runId, limit: 1 }),
    db
      .selectFrom('ops.windows')
      .select([
        'entity',
        'day',
        'status',
        'pages',
        'rows_fetched',
        'inserted',
        'updated',
        'unchanged',
        'source_count',
        'attempts',
        'duration_ms',
        'error',
      ])
      .where('run_id', '=', runId)
      .orderBy('entity')
      .orderBy('day')
      .execute(),
  ]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    run: row,
    windows: windows.map((w) => ({
      entity: w.entity,
      day: w.day,
      status: w.status,
      pages: w.pages,
      rowsFetched: w.rows_fetched,
      inserted: w.inserted,
      updated: w.updated,
      unchanged: w.unchanged,
      sourceCount: w.source_count,
      attempts: w.attempts,
      durationMs: Number(w.duration_ms),
      error: w.error,
    })),
  };
}
