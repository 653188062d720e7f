/**
 * What operators see of sync, read from ops.sync_* (never from Redis, so `status`, the `/sync`
 * page and the lag gauge agree with the rows the cycles committed): each realm's schedule, its
 * latest cycle, the lag of each entity behind the source, and the recent cycles with their counts.
 */
import { sql } from 'kysely';
import type { SyncCycleStatus, SyncMarkTable } from '../model/db-types.js';
import type { Db } from '../infra/db.js';
import type { SyncTrigger } from './sync-queue.js';

/** A realm's `sync --every`, as ops.sync_realms holds it. */
export interface SyncSchedule {
  everyMs: number;
  /** Null: the cycles' own default (SYNC_DEFAULTS.rereadEveryMs). */
  rereadEveryMs: number | null;
  /** Null: every entity the realm has data for. */
  entities: string[] | null;
}

/** One cycle with what it did, summed over its entities. */
export interface SyncCycleReport {
  cycleId: string;
  realmId: string;
  trigger: SyncTrigger;
  status: SyncCycleStatus;
  startedAt: Date;
  finishedAt: Date | null;
  requests: number;
  upserted: number;
  deleted: number;
  error: string | null;
  /** Entities the cycle re-read whole (method `reread`), by name. */
  rereads: string[];
}

/** How far one entity's changes in raw are behind the source. */
export interface EntityLag {
  entity: string;
  /** ops.sync_marks.mark_utc: the source's changes up to this instant are in raw. */
  mark: Date;
  /** What moved the mark last. */
  basis: SyncMarkTable['basis'];
  /** Now minus the mark, in seconds (includes the mark's margin, SYNC_DEFAULTS.markMarginMs). */
  lagSeconds: number;
}

export interface RealmSyncReport {
  realmId: string;
  schedule: SyncSchedule | null;
  /** The realm's latest cycle (running, succeeded, failed or skipped), or null before the first. */
  lastCycle: SyncCycleReport | null;
  /** Largest lag first. */
  lags: EntityLag[];
}

/** How many cycles the `/sync` page lists. */
export const RECENT_CYCLES = 50;

/** Every mark of every realm (the lag gauge reads these at each scrape). */
export async function readAllMarks(
  db: Db,
): Promise<{ realmId: string; entity: string; mark: Date; basis: SyncMarkTable['basis'] }[]> {
  const rows = await db
    .selectFrom('ops.sync_marks')
    .select(['realm_id', 'entity', 'mark_utc', 'basis'])
    .orderBy('realm_id')
    .orderBy('entity')
    .execute();
  return rows.map((r) => ({ realmId: r.realm_id, entity: r.entity, mark: r.mark_utc, basis: r.basis }));
}

/** Seconds from `mark` to `now`. */
export function lagSeconds(mark: Date, now: Date): number {
  return (now.getTime() - mark.getTime()) / 1000;
}

/**
 * The sync of every realm that has any sync row (a schedule, a mark or a cycle), by realm id;
 * `realmIds` narrows it. Realms sync never touched are not listed.
 */
export async function readRealmSyncs(db: Db, now: Date, realmIds?: string[]): Promise<RealmSyncReport[]> {
  if (realmIds?.length === 0) return [];
  const only = realmIds === undefined ? sql`true` : sql`realm_id = ANY(${realmIds}::text[])`;
  const realms = await sql<{ realm_id: string }>`
    SELECT realm_id FROM ops.sync_realms WHERE ${only}
    UNION SELECT realm_id FROM ops.sync_marks WHERE ${only}
    UNION SELECT realm_id FROM ops.sync_cycles WHERE ${only}
    ORDER BY realm_id`.execute(db);
  const ids = realms.rows.map((r) => r.realm_id);
  if (ids.length === 0) return [];
  const [schedules, marks, latest] = await Promise.all([
    db
      .selectFrom('ops.sync_realms')
      .select(['realm_id', 'every_ms', 'reread_every_ms', 'entities'])
      .where('realm_id', 'in', ids)
      .execute(),
    db
      .selectFrom('ops.sync_marks')
      .select(['realm_id', 'entity', 'mark_utc', 'basis'])
      .where('realm_id', 'in', ids)
      .execute(),
    cycles(
      db,
      sql`cycle_id IN (SELECT DISTINCT ON (realm_id) cycle_id FROM ops.sync_cycles
        WHERE realm_id = ANY(${ids}::text[]) ORDER BY realm_id, started_at DESC, cycle_id DESC)`,
      ids.length,
    ),
  ]);
  return ids.map((realmId) => {
    const s = schedules.find((r) => r.realm_id === realmId);
    const lags = marks
      .filter((m) => m.realm_id === realmId)
      .map((m) => ({
        entity: m.entity,
        mark: m.mark_utc,
        basis: m.basis,
        lagSeconds: lagSeconds(m.mark_utc, now),
      }))
      .sort((a, b) => b.lagSeconds - a.lagSeconds || a.entity.localeCompare(b.entity));
    return {
      realmId,
      schedule:
        s && s.every_ms !== null
          ? { everyMs: s.every_ms, rereadEveryMs: s.reread_every_ms, entities: s.entities }
          : null,
      lastCycle: latest.find((c) => c.realmId === realmId) ?? null,
      lags,
    };
  });
}

/** The most recent cycles of every realm, newest first. */
export async function recentCycles(db: Db, limit: number = RECENT_CYCLES): Promise<SyncCycleReport[]> {
  return cycles(db, sql`true`, limit);
}

/** Cycles matching `where`, newest first, with their entity counters summed in the same query. */
async function cycles(db: Db, where: ReturnType<typeof sql>, limit: number): Promise<SyncCycleReport[]> {
  const rows = await sql<{
    cycle_id: string;
    realm_id: string;
    trigger: SyncTrigger;
    status: SyncCycleStatus;
    started_at: Date;
    finished_at: Date | null;
    requests: number;
    error: string | null;
    upserted: number;
    deleted: number;
    rereads: string[];
  }>`
    SELECT c.cycle_id, c.realm_id, c.trigger, c.status, c.started_at, c.finished_at, c.requests, c.error,
      coalesce(sum(e.upserted), 0)::int AS upserted, coalesce(sum(e.deleted), 0)::int AS deleted,
      coalesce(array_agg(e.entity ORDER BY e.entity) FILTER (WHERE e.method = 'reread'), '{}') AS rereads
    FROM ops.sync_cycles c LEFT JOIN ops.sync_cycle_entities e USING (cycle_id)
    WHERE ${where}
    GROUP BY c.cycle_id
    ORDER BY c.started_at DESC, c.cycle_id DESC
    LIMIT ${limit}`.execute(db);
  return rows.rows.map((r) => ({
    cycleId: r.cycle_id,
    realmId: r.realm_id,
    trigger: r.trigger,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    requests: r.requests,
    upserted: r.upserted,
    deleted: r.deleted,
    error: r.error,
    rereads: r.rereads,
  }));
}
