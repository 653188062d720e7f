/**
 * The one owner of sync state: every write to ops.sync_realms, ops.sync_cycles,
 * ops.sync_cycle_entities and ops.sync_marks is a named transition here.
 *
 * Realm:  idle -> one cycle holding the lease -> idle. A cycle takes the realm's lease when no
 *         other cycle holds it, when it already held it (its job runs again after its worker died),
 *         or when the holder stopped beating; every write of the cycle names the lease, so a cycle
 *         whose lease was taken writes nothing more (SyncLeaseLostError).
 * Cycle:  running -> succeeded | failed, or skipped at once (another cycle held the realm). A
 *         failed cycle's job may run again (running once more, its counters kept).
 */
import { findReport } from '../model/reports.js';
import { sql, type Transaction } from 'kysely';
import type { Database, SyncMarkTable } from '../model/db-types.js';
import type { Db } from '../infra/db.js';
import { ReleaseJobError } from '../model/errors/index.js';
import type { EntitySyncCounts, SyncCycleSummary, SyncTrigger } from './sync-queue.js';

/** A cycle that holds its realm: every write names it. */
export interface CycleLease {
  realmId: string;
  cycleId: string;
  lease: string;
}

/** A write of a cycle whose realm another cycle has taken since: nothing was written. */
export class SyncLeaseLostError extends ReleaseJobError {
  constructor(lease: CycleLease) {
    super(
      `sync cycle ${lease.cycleId} lost realm ${lease.realmId} to another cycle: it stops without writing`,
    );
  }
}

/**
 * A holder that has not written or beaten for this long is taken to be gone (a worker killed
 * without its job being retried). Its own job coming back takes over at once, whatever this says.
 */
export const STALE_CYCLE_MS = 5 * 60_000;

/**
 * Starts (or, for a job that runs again, continues) a cycle: takes the realm's lease. Returns the
 * lease, or the id of the cycle that holds the realm.
 */
export async function startCycle(
  db: Db,
  cycle: { realmId: string; cycleId: string; trigger: SyncTrigger },
): Promise<CycleLease | { busyWith: string }> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('ops.sync_realms')
      .values({ realm_id: cycle.realmId })
      .onConflict((oc) => oc.column('realm_id').doNothing())
      .execute();
    const taken = await sql<{ lease: string }>`
      UPDATE ops.sync_realms SET lease = lease + 1, cycle_id = ${cycle.cycleId}, heartbeat_at = now(),
        updated_at = now()
      WHERE realm_id = ${cycle.realmId}
        AND (cycle_id IS NULL OR cycle_id = ${cycle.cycleId}
          OR heartbeat_at < now() - make_interval(secs => ${STALE_CYCLE_MS / 1000}))
      RETURNING lease::text AS lease`.execute(trx);
    const lease = taken.rows[0]?.lease;
    if (lease === undefined) {
      const holder = await trx
        .selectFrom('ops.sync_realms')
        .select('cycle_id')
        .where('realm_id', '=', cycle.realmId)
        .executeTakeFirst();
      return { busyWith: holder?.cycle_id ?? 'another cycle' };
    }
    await sql`
      INSERT INTO ops.sync_cycles (cycle_id, realm_id, trigger, status)
      VALUES (${cycle.cycleId}, ${cycle.realmId}, ${cycle.trigger}, 'running')
      ON CONFLICT (cycle_id) DO UPDATE SET status = 'running', error = NULL, finished_at = NULL`.execute(trx);
    return { realmId: cycle.realmId, cycleId: cycle.cycleId, lease };
  });
}

/** Records a cycle that did not run because another cycle held its realm. */
export async function skipCycle(
  db: Db,
  cycle: { realmId: string; cycleId: string; trigger: SyncTrigger },
  busyWith: string,
): Promise<void> {
  await sql`
    INSERT INTO ops.sync_cycles (cycle_id, realm_id, trigger, status, error, finished_at)
    VALUES (${cycle.cycleId}, ${cycle.realmId}, ${cycle.trigger}, 'skipped',
      ${`cycle ${busyWith} was running`}, now())
    ON CONFLICT (cycle_id) DO NOTHING`.execute(db);
}

/**
 * Runs `write` in one transaction that first checks (and locks) the realm's lease: the rows, the
 * counters and the marks a step writes commit together, or not at all. Also the cycle's heartbeat.
 */
export async function commitCycleStep<T>(
  db: Db,
  lease: CycleLease,
  write: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const held = await sql<{ ok: number }>`
      UPDATE ops.sync_realms SET heartbeat_at = now()
      WHERE realm_id = ${lease.realmId} AND lease = ${lease.lease}::bigint AND cycle_id = ${lease.cycleId}
      RETURNING 1 AS ok`.execute(trx);
    if (held.rows.length === 0) throw new SyncLeaseLostError(lease);
    return write(trx);
  });
}

/** Adds to what one entity's sync did in the cycle, and the requests to the cycle's total. */
export async function addEntityCounts(
  trx: Transaction<Database>,
  cycleId: string,
  entity: string,
  counts: EntitySyncCounts,
): Promise<void> {
  await sql`
    INSERT INTO ops.sync_cycle_entities AS e (cycle_id, entity, method, upserted, deleted, requests)
    VALUES (${cycleId}, ${entity}, ${counts.method}, ${counts.upserted}, ${counts.deleted}, ${counts.requests})
    ON CONFLICT (cycle_id, entity) DO UPDATE SET
      method = CASE WHEN excluded.method = 'none' THEN e.method ELSE excluded.method END,
      upserted = e.upserted + excluded.upserted,
      deleted = e.deleted + excluded.deleted,
      requests = e.requests + excluded.requests`.execute(trx);
}

/** Adds requests to the cycle's total (each step adds the requests it made). */
export async function addCycleRequests(
  trx: Transaction<Database>,
  cycleId: string,
  requests: number,
): Promise<void> {
  if (requests === 0) return;
  await sql`UPDATE ops.sync_cycles SET requests = requests + ${requests} WHERE cycle_id = ${cycleId}`.execute(
    trx,
  );
}

/**
 * Moves an entity's high-water mark forward (never back), in the transaction of the rows it
 * covers. `rereadAt`: the entity was just re-read whole at that instant (QBO's clock).
 */
export async function advanceMark(
  trx: Transaction<Database>,
  realmId: string,
  entity: string,
  mark: Date,
  basis: SyncMarkTable['basis'],
  rereadAt?: Date,
): Promise<void> {
  await sql`
    INSERT INTO ops.sync_marks AS m (realm_id, entity, mark_utc, basis, reread_at)
    VALUES (${realmId}, ${entity}, ${mark}, ${basis}, ${rereadAt ?? null})
    ON CONFLICT (realm_id, entity) DO UPDATE SET
      mark_utc = greatest(m.mark_utc, excluded.mark_utc),
      basis = CASE WHEN excluded.mark_utc > m.mark_utc THEN excluded.basis ELSE m.basis END,
      reread_at = coalesce(excluded.reread_at, m.reread_at),
      updated_at = now()`.execute(trx);
}

/** A mark where there was none: the hand-over from a backfill, or the newest record in raw. */
export async function establishMark(
  db: Db,
  realmId: string,
  entity: string,
  mark: Date,
  basis: 'backfill' | 'raw',
): Promise<void> {
  await db
    .insertInto('ops.sync_marks')
    .values({ realm_id: realmId, entity, mark_utc: mark, basis })
    .onConflict((oc) => oc.columns(['realm_id', 'entity']).doNothing())
    .execute();
}

/** Ends the cycle (succeeded or failed) and frees its realm, if it still holds it. */
export async function endCycle(
  db: Db,
  lease: CycleLease,
  outcome: { status: 'succeeded' } | { status: 'failed'; error: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const freed = await sql`
      UPDATE ops.sync_realms SET cycle_id = NULL, heartbeat_at = NULL, updated_at = now()
      WHERE realm_id = ${lease.realmId} AND lease = ${lease.lease}::bigint AND cycle_id = ${lease.cycleId}
      RETURNING 1`.execute(trx);
    if (freed.rows.length === 0) return; // another cycle took over: it owns the record now
    await sql`
      UPDATE ops.sync_cycles SET status = ${outcome.status},
        error = ${outcome.status === 'failed' ? outcome.error : null}, finished_at = now()
      WHERE cycle_id = ${lease.cycleId}`.execute(trx);
  });
}

/** The realm's schedule as `sync --every` set it (`--off`: null). */
export async function setSchedule(
  db: Db,
  realmId: string,
  schedule: { everyMs: number; entities: string[] | null; rereadEveryMs: number } | null,
): Promise<void> {
  const values = {
    every_ms: schedule?.everyMs ?? null,
    entities: schedule?.entities ?? null,
    reread_every_ms: schedule?.rereadEveryMs ?? null,
  };
  await db
    .insertInto('ops.sync_realms')
    .values({ realm_id: realmId, ...values })
    .onConflict((oc) => oc.column('realm_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

/** What a cycle did, from its rows (a cycle that ran twice after a crash reports both parts once). */
export async function cycleSummary(db: Db, cycleId: string): Promise<SyncCycleSummary | undefined> {
  const cycle = await db
    .selectFrom('ops.sync_cycles')
    .select(['realm_id', 'status', 'requests'])
    .where('cycle_id', '=', cycleId)
    .executeTakeFirst();
  if (!cycle) return undefined;
  const rows = await db
    .selectFrom('ops.sync_cycle_entities')
    .selectAll()
    .where('cycle_id', '=', cycleId)
    .orderBy('entity')
    .execute();
  const entities: Record<string, EntitySyncCounts> = {};
  const reports: Record<string, { rows: number; requests: number }> = {};
  for (const r of rows) {
    // Reports are counted under their PascalCase names, entities under their lowercase ones.
    if (findReport(r.entity)) reports[r.entity] = { rows: r.upserted, requests: r.requests };
    else
      entities[r.entity] = {
        upserted: r.upserted,
        deleted: r.deleted,
        requests: r.requests,
        method: r.method,
      };
  }
  return {
    realmId: cycle.realm_id,
    cycleId,
    status: cycle.status === 'skipped' ? 'skipped' : 'succeeded',
    entities,
    ...(Object.keys(reports).length ? { reports } : {}),
    requests: cycle.requests,
  };
}
