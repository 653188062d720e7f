/**
 * A run's windows as users see them: one entry per entity and UTC day. A day plan's windows are
 * those days already. An adaptive plan's window may span many days (a sparse entity is one window
 * over the whole range): its days are listed one by one, with what its pages added to each day
 * (ops.window_days, by the records' LastUpdatedTime) and the window's own status, attempts and
 * error; its duration counts on its first day, so the entries still add up to the run. An entity
 * read whole stays one entry, as in a day plan.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../../infra/db.js';
import type { RunTable, WindowDayTable, WindowTable } from '../../model/db-types.js';
import { findEntity } from '../../model/entities.js';
import { planDays } from '../plan/dates.js';
import type { WindowReport } from './report-types.js';

type Window = Selectable<WindowTable>;

function ownEntry(w: Window): WindowReport {
  return {
    entity: w.entity,
    day: w.day,
    status: w.status,
    pages: w.pages,
    rowsFetched: w.rows_fetched,
    inserted: w.inserted,
    updated: w.updated,
    unchanged: w.unchanged,
    sourceCount: w.source_count,
    durationMs: Number(w.duration_ms),
    attempts: w.attempts,
    error: w.error,
  };
}

/** The run's windows, and its entries per entity and UTC day, ordered by entity and day. */
export async function reportWindows(
  db: Db,
  run: Pick<Selectable<RunTable>, 'run_id' | 'windows_plan'>,
): Promise<{ windows: Window[]; entries: WindowReport[] }> {
  const windows = await db
    .selectFrom('ops.windows')
    .selectAll()
    .where('run_id', '=', run.run_id)
    .orderBy('entity')
    .orderBy('day')
    .execute();
  if (run.windows_plan !== 'adaptive') return { windows, entries: windows.map(ownEntry) };
  const days = await db.selectFrom('ops.window_days').selectAll().where('run_id', '=', run.run_id).execute();
  const byDay = new Map<string, Selectable<WindowDayTable>>(days.map((d) => [`${d.entity} ${d.day}`, d]));
  const entries: WindowReport[] = [];
  for (const w of windows) {
    const span = planDays(w.window_start_utc, w.window_end_utc);
    if (findEntity(w.entity)?.read === 'whole' || span.length <= 1) {
      entries.push(ownEntry(w));
      continue;
    }
    for (const [i, { day }] of span.entries()) {
      const d = byDay.get(`${w.entity} ${day}`);
      entries.push({
        entity: w.entity,
        day,
        status: w.status,
        pages: d?.pages ?? 0,
        rowsFetched: d?.rows_fetched ?? 0,
        inserted: d?.inserted ?? 0,
        updated: d?.updated ?? 0,
        unchanged: d?.unchanged ?? 0,
        // What the read found that day is the day's count at the source when it succeeded.
        sourceCount: w.status === 'succeeded' ? (d?.rows_fetched ?? 0) : null,
        durationMs: i === 0 ? Number(w.duration_ms) : 0,
        attempts: w.attempts,
        error: w.error,
      });
    }
  }
  entries.sort((a, b) =>
    a.entity === b.entity ? a.day.localeCompare(b.day) : a.entity.localeCompare(b.entity),
  );
  return { windows, entries };
}
