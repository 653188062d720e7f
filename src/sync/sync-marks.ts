/**
 * Where sync starts for each entity of a realm: its high-water mark, or, for an entity that has
 * none yet, the hand-over from its newest backfill, or else its newest record in raw.
 *
 * The hand-over leaves no gap: a backfill run read every record last updated in its range as of
 * the moment its reads of the entity began, so changes from the earlier of the range's end and
 * that moment on are left to sync. Records read by both are the same version, which the upsert
 * counts as unchanged: nothing is counted twice.
 */
import { sql } from 'kysely';
import type { Db } from '../infra/db.js';
import type { EntityDefinition } from '../model/entities.js';
import { establishMark } from './sync-state.js';
import { SYNC_DEFAULTS } from './sync-queue.js';

export interface SyncMark {
  entity: string;
  mark: Date;
  basis: 'backfill' | 'raw' | 'cdc' | 'reread';
  rereadAt: Date | null;
}

export interface SyncStart {
  /** Entities sync can start (or go on) from, by name. */
  marks: Map<string, SyncMark>;
  /** Entities with a backfill still scheduled or running: sync waits for it to end. */
  pending: string[];
  /** Entities never backfilled and with nothing in raw: nothing to start from. */
  missing: string[];
}

/**
 * The marks of a realm's entities, establishing the first mark of those that have none yet
 * (`establish: false`, for a command checking its input: the marks it would establish, unwritten).
 */
export async function syncStart(
  db: Db,
  realmId: string,
  entities: readonly EntityDefinition[],
  {
    establish = true,
    marginMs = SYNC_DEFAULTS.markMarginMs,
  }: {
    establish?: boolean;
    /** A first mark starts this much before its hand-over (see SYNC_DEFAULTS.markMarginMs). */
    marginMs?: number;
  } = {},
): Promise<SyncStart> {
  const marks = await readMarks(db, realmId);
  const without = entities.filter((e) => !marks.has(e.name));
  const pending: string[] = [];
  const missing: string[] = [];
  if (without.length > 0) {
    const names = without.map((e) => e.name);
    const live = new Set(await liveBackfillEntities(db, realmId, names));
    const handOvers = await backfillHandOvers(
      db,
      realmId,
      names.filter((n) => !live.has(n)),
    );
    for (const entity of without) {
      if (live.has(entity.name)) {
        pending.push(entity.name);
        continue;
      }
      const handOver = handOvers.get(entity.name);
      const newest = handOver ? undefined : await newestInRaw(db, realmId, entity);
      const early = (at: Date) => new Date(at.getTime() - marginMs);
      const first: SyncMark | undefined = handOver
        ? { entity: entity.name, mark: early(handOver), basis: 'backfill', rereadAt: null }
        : newest
          ? { entity: entity.name, mark: early(newest), basis: 'raw', rereadAt: null }
          : undefined;
      if (!first) missing.push(entity.name);
      else if (!establish) marks.set(entity.name, first);
      else await establishMark(db, realmId, entity.name, first.mark, first.basis as 'backfill' | 'raw');
    }
    if (establish) for (const [name, mark] of await readMarks(db, realmId)) marks.set(name, mark);
  }
  const wanted = new Set(entities.map((e) => e.name));
  for (const name of marks.keys()) if (!wanted.has(name)) marks.delete(name);
  return { marks, pending, missing };
}

export async function readMarks(db: Db, realmId: string): Promise<Map<string, SyncMark>> {
  const rows = await db
    .selectFrom('ops.sync_marks')
    .select(['entity', 'mark_utc', 'basis', 'reread_at'])
    .where('realm_id', '=', realmId)
    .execute();
  return new Map(
    rows.map((r) => [
      r.entity,
      { entity: r.entity, mark: r.mark_utc, basis: r.basis, rereadAt: r.reread_at },
    ]),
  );
}

/** Entities of a backfill of the realm that is scheduled or running. */
async function liveBackfillEntities(db: Db, realmId: string, names: string[]): Promise<string[]> {
  const rows = await sql<{ entity: string }>`
    SELECT DISTINCT e AS entity FROM ops.runs, unnest(entities) AS e
    WHERE realm_id = ${realmId} AND status IN ('scheduled', 'running') AND e = ANY(${names}::text[])`.execute(
    db,
  );
  return rows.rows.map((r) => r.entity);
}

/** Per entity, the latest hand-over instant of the realm's succeeded backfills (see the file's comment). */
async function backfillHandOvers(db: Db, realmId: string, names: string[]): Promise<Map<string, Date>> {
  if (names.length === 0) return new Map();
  const rows = await sql<{ entity: string; mark: Date }>`
    SELECT w.entity, max(least(r.range_end_utc, w.first_read)) AS mark
    FROM (
      SELECT run_id, entity, min(coalesce(started_at, finished_at, updated_at)) AS first_read
      FROM ops.windows GROUP BY run_id, entity
    ) w
    JOIN ops.runs r USING (run_id)
    WHERE r.realm_id = ${realmId} AND r.status = 'succeeded' AND w.entity = ANY(${names}::text[])
    GROUP BY w.entity`.execute(db);
  return new Map(rows.rows.map((r) => [r.entity, r.mark]));
}

async function newestInRaw(db: Db, realmId: string, entity: EntityDefinition): Promise<Date | undefined> {
  const row = await sql<{ newest: Date | null }>`
    SELECT max(source_last_updated_utc) AS newest FROM raw.${sql.raw(entity.table)}
    WHERE realm_id = ${realmId}`.execute(db);
  return row.rows[0]?.newest ?? undefined;
}
