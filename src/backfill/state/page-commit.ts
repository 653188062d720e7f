import { sql } from 'kysely';
import { PREPARED, type Db } from '../../infra/db.js';
import { heldBy, LeaseLostError, type WindowAttempt } from './window-key.js';
import type { PageUpsertStatement } from '../../raw/upsert-page.js';
import { pageCounterUpdates, takesPages, type PageCounters, type UpsertCount } from './window-run.js';

/**
 * What a page adds per UTC day of its records' LastUpdatedTime (ops.window_days): records fetched,
 * records offered to the upsert (each Id once), and the page itself (counted on one day). Empty for
 * a window of one day, whose own counters say it all.
 */
export interface PageDays {
  days: string[];
  rows: number[];
  offered: number[];
  pages: number[];
}

export const NO_PAGE_DAYS: PageDays = { days: [], rows: [], offered: [], pages: [] };

/**
 * A page committed in ONE statement: its upsert, commitPage's update of the window's counters (and
 * its request count), what it adds per UTC day (ops.window_days, for a window over several days)
 * (and, with `finish`, the window's success: a window whose one page answered it), joined by
 * CTEs. A single statement is atomic like the transaction it replaces (BEGIN, upsert, update,
 * COMMIT), so the counters and the stored rows never disagree and a retried job resumes after the
 * page; it saves two round trips per page, which is per request when windows are one page.
 * `upsert` undefined: the page had no record to store. Returns the upsert's counts.
 *
 * Fenced: the statement first locks the window's row if `attempt` still holds it, the window runs
 * and its run is live (takesPages); otherwise neither the records nor the counters are written,
 * and it throws a LeaseLostError. So a worker that wakes up after its window was taken over
 * (its lock lapsed while it was frozen) adds nothing to raw nor to the counters of the attempt
 * that owns the window now, and a cancelled run takes no page.
 *
 * With `finish`, the run's part (endRunAfterWindowSucceeded) must follow once this has committed,
 * so the last window to end sees every other.
 */
export async function commitPageWithUpsert(
  db: Db,
  attempt: WindowAttempt,
  upsert: PageUpsertStatement | undefined,
  page: Omit<PageCounters, UpsertCount>,
  finish?: { result: { sourceCount: number | null; shortfall: string | null }; elapsedMs: number },
  /** QBO requests this commit accounts for: the page and any COUNT asked since the last commit. */
  requests = 1,
  days: PageDays = NO_PAGE_DAYS,
): Promise<Record<UpsertCount, number>> {
  const now = new Date();
  const offered = upsert?.rows ?? 0;
  const counts = sql<number>`c.n_inserted`;
  const replaced = sql<number>`c.n_updated`;
  const updates = pageCounterUpdates({
    ...page,
    inserted: counts,
    updated: replaced,
    unchanged: sql<number>`(${offered}::int - c.n_inserted - c.n_updated)`,
  });
  // finishWindow's update, for a window its one page ends (its duration added once, here).
  const finished = finish
    ? sql`, status = 'succeeded', source_count = ${finish.result.sourceCount},
        error = ${finish.result.shortfall}, finished_at = ${now},
        duration_ms = duration_ms + ${finish.elapsedMs}`
    : sql``;
  const owned = sql<boolean>`EXISTS (SELECT 1 FROM own)`;
  const upserted = upsert
    ? upsert.statement(owned)
    : sql`SELECT true AS inserted, NULL::date AS day WHERE false`;
  const { rows } = await sql<{ n_inserted: number; n_updated: number; owned: boolean }>`${sql.raw(PREPARED)}
    WITH own AS (
      SELECT 1 FROM ops.windows WHERE ${heldBy(attempt)} AND ${takesPages(attempt.runId)} FOR UPDATE
    ), up AS (${upserted}),
    c AS (
      SELECT (count(*) FILTER (WHERE inserted))::int AS n_inserted,
        (count(*) FILTER (WHERE NOT inserted))::int AS n_updated
      FROM up
    ), w AS (
      UPDATE ops.windows SET ${updates}${finished}, requests = requests + ${requests}::int,
        updated_at = ${now}
      FROM c WHERE ${heldBy(attempt)} AND ${owned}
    ), d AS (
      INSERT INTO ops.window_days AS t (run_id, entity, day, pages, rows_fetched, inserted, updated, unchanged)
      SELECT ${attempt.runId}::text, ${attempt.entity}::text, o.day, o.pages, o.rows,
        coalesce(u.ins, 0), coalesce(u.upd, 0), o.offered - coalesce(u.ins, 0) - coalesce(u.upd, 0)
      FROM unnest(${days.days}::date[], ${days.rows}::int[], ${days.offered}::int[], ${days.pages}::int[])
          AS o(day, rows, offered, pages)
        LEFT JOIN (SELECT day, (count(*) FILTER (WHERE inserted))::int AS ins,
            (count(*) FILTER (WHERE NOT inserted))::int AS upd FROM up GROUP BY day) u USING (day)
      WHERE ${owned}
      ON CONFLICT (run_id, entity, day) DO UPDATE SET pages = t.pages + excluded.pages,
        rows_fetched = t.rows_fetched + excluded.rows_fetched, inserted = t.inserted + excluded.inserted,
        updated = t.updated + excluded.updated, unchanged = t.unchanged + excluded.unchanged
    )
    SELECT n_inserted, n_updated, ${owned} AS owned FROM c`.execute(db);
  if (rows[0]?.owned !== true) throw new LeaseLostError(attempt, `page ${page.pageNumber}`);
  const inserted = rows[0]?.n_inserted ?? 0;
  const updated = rows[0]?.n_updated ?? 0;
  return { inserted, updated, unchanged: offered - inserted - updated };
}
