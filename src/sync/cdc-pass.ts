/**
 * One realm's changes through QBO's change data capture: one request for every entity CDC covers,
 * from the oldest of their marks, then the marks moved to QBO's time of the answer.
 *
 * CDC's limits (qbo-facts.md):
 * - At most 30 days back: an entity whose mark is older is left to a whole re-read (and so is the
 *   whole request when QBO refuses its `changedSince`, whatever our clock said).
 * - At most 1000 objects a response, and no word on which are cut: a response at the cap is
 *   treated as possibly cut. CDC has no upper bound to split an interval with, only its start:
 *   the next request starts at the newest change the capped one returned (inclusive, so changes
 *   of that same second come again), until a response is under the cap. Then QBO's COUNT proves,
 *   per entity, that the existing records changed since the start are exactly the ones that
 *   arrived; an entity it does not prove (or one read whole, which COUNT cannot filter by time) is
 *   re-read whole and compared by id.
 */
import { coveredByCdc, type EntityDefinition } from '../model/entities.js';
import type { ParsedRecord } from '../qbo/qbo-record.js';
import type { CdcResult } from '../qbo/qbo-client.js';
import { QboCdcTooOldError } from '../qbo/qbo-errors.js';
import { countStatement } from '../qbo/query.js';
import type { CycleContext } from './cycle-context.js';
import type { SyncMark } from './sync-marks.js';
import { addCycleRequests, addEntityCounts, advanceMark, commitCycleStep } from './sync-state.js';
import { recordDeletions, upsertChanges } from './sync-writes.js';

/** QBO's cap on the objects of one CDC response. */
export const CDC_MAX_OBJECTS = 1000;
/** QBO's look-back, less an hour so that a mark near the edge is not refused by clocks apart. */
export const CDC_LOOKBACK_MS = 30 * 86_400_000 - 3_600_000;
/** Requests one pass may chain over a burst of changes before it re-reads instead. */
const MAX_CHAIN = 50;

/**
 * Reads the changes of the CDC-covered `entities` from their marks and commits them. Returns the
 * entities that must be re-read whole instead (mark too old, interval not proven complete).
 */
export async function cdcPass(
  ctx: CycleContext,
  entities: readonly EntityDefinition[],
  marks: ReadonlyMap<string, SyncMark>,
  now: Date,
): Promise<EntityDefinition[]> {
  const covered = entities.filter(coveredByCdc);
  const tooOld = covered.filter((e) => now.getTime() - markOf(marks, e).getTime() > CDC_LOOKBACK_MS);
  const asked = covered.filter((e) => !tooOld.includes(e));
  if (asked.length === 0) return tooOld;
  const since = new Date(Math.min(...asked.map((e) => markOf(marks, e).getTime())));
  const byQboName = new Map(asked.map((e) => [e.qboName, e]));
  // Per entity, the newest state of each object seen over the chain (for COUNT's proof).
  const seen = new Map<string, Map<string, SeenChange>>();
  let cursor = since;
  for (let chain = 1; ; chain++) {
    let result: CdcResult;
    try {
      result = await ctx.qbo.cdc(ctx.lease.realmId, [...byQboName.keys()], cursor);
    } catch (err) {
      // QBO refuses a changedSince beyond its look-back (a 400 naming it): re-read instead.
      if (err instanceof QboCdcTooOldError) {
        await commitCycleStep(ctx.db, ctx.lease, (trx) =>
          addCycleRequests(trx, ctx.lease.cycleId, err.requests),
        );
        return [...tooOld, ...asked];
      }
      throw err;
    }
    const capped = result.objects >= CDC_MAX_OBJECTS;
    const answeredAt = result.time ?? now;
    for (const [qboName, changes] of result.changes) {
      const entity = byQboName.get(qboName);
      if (!entity) continue;
      const own = seen.get(entity.name) ?? new Map<string, SeenChange>();
      for (const c of changes)
        if (c.record.id !== undefined) keepNewest(own, { ...c.record, deleted: c.deleted });
      seen.set(entity.name, own);
    }
    if (capped) {
      const newest = newestChange(result);
      if (chain < MAX_CHAIN && newest !== null && newest.getTime() > cursor.getTime()) {
        await commitChanges(ctx, result, byQboName, cursor, chain);
        cursor = newest;
        continue;
      }
      ctx.log.warn({ chain, at: cursor.toISOString() }, 'CDC keeps answering at its cap: re-reading instead');
      await commitChanges(ctx, result, byQboName, cursor, chain);
      return [...tooOld, ...asked];
    }
    // Under the cap: complete from `cursor` on. After a chain, prove what the chain put together.
    const unproven = chain === 1 ? [] : await unprovenEntities(ctx, asked, seen, since, answeredAt);
    const proven = asked.filter((e) => !unproven.includes(e));
    await commitChanges(ctx, result, byQboName, cursor, chain, async (trx) => {
      for (const e of proven)
        await advanceMark(trx, ctx.lease.realmId, e.name, ctx.markFrom(answeredAt), 'cdc');
    });
    return [...tooOld, ...unproven];
  }
}

/** The newest state of one object over a chain of responses. */
type SeenChange = ParsedRecord & { deleted: boolean };

function markOf(marks: ReadonlyMap<string, SyncMark>, entity: EntityDefinition): Date {
  return (marks.get(entity.name) as SyncMark).mark;
}

function keepNewest(own: Map<string, SeenChange>, record: SeenChange): void {
  const held = own.get(record.id as string);
  if (!held || (record.lastUpdated?.getTime() ?? 0) >= (held.lastUpdated?.getTime() ?? 0)) {
    own.set(record.id as string, record);
  }
}

function newestChange(result: CdcResult): Date | null {
  let newest: number | null = null;
  for (const changes of result.changes.values()) {
    for (const c of changes) {
      const at = c.record.lastUpdated?.getTime();
      if (at !== undefined && (newest === null || at > newest)) newest = at;
    }
  }
  return newest === null ? null : new Date(newest);
}

/**
 * The entities whose chained changes COUNT does not confirm: the existing records last updated
 * in [since, answeredAt) must be exactly the objects that arrived with such a time and were not
 * deletions. One COUNT per entity (only after a chain, which only a burst of changes makes).
 */
async function unprovenEntities(
  ctx: CycleContext,
  entities: readonly EntityDefinition[],
  seen: ReadonlyMap<string, ReadonlyMap<string, SeenChange>>,
  since: Date,
  answeredAt: Date,
): Promise<EntityDefinition[]> {
  const unproven: EntityDefinition[] = [];
  for (const entity of entities) {
    // COUNT cannot filter these by time: they are one record or a few, re-read whole.
    if (entity.read === 'whole') {
      unproven.push(entity);
      continue;
    }
    const { queryResponse, requests } = await ctx.qbo.query(
      ctx.lease.realmId,
      countStatement(entity, since, answeredAt),
      entity.name,
    );
    await commitCycleStep(ctx.db, ctx.lease, async (trx) => {
      await addEntityCounts(trx, ctx.lease.cycleId, entity.name, {
        method: 'cdc',
        upserted: 0,
        deleted: 0,
        requests,
      });
      await addCycleRequests(trx, ctx.lease.cycleId, requests);
    });
    let arrived = 0;
    for (const r of seen.get(entity.name)?.values() ?? []) {
      const at = r.lastUpdated?.getTime() ?? -1;
      if (!r.deleted && at >= since.getTime() && at < answeredAt.getTime()) arrived++;
    }
    if (queryResponse.totalCount !== arrived) {
      ctx.log.info(
        { entity: entity.name, count: queryResponse.totalCount, arrived },
        'CDC chain not proven by COUNT: re-reading',
      );
      unproven.push(entity);
    }
  }
  return unproven;
}

/** Commits one CDC response: each entity's changed records and deletions, and their counters. */
async function commitChanges(
  ctx: CycleContext,
  result: CdcResult,
  byQboName: ReadonlyMap<string, EntityDefinition>,
  since: Date,
  chain: number,
  alsoWrite?: Parameters<typeof commitCycleStep>[2],
): Promise<void> {
  const audit = {
    realmId: ctx.lease.realmId,
    runId: ctx.lease.cycleId,
    windowStart: since,
    windowEnd: result.time ?? since,
    pageNumber: chain,
    pageSize: CDC_MAX_OBJECTS,
    requestPayload: result.request,
  };
  await commitCycleStep(ctx.db, ctx.lease, async (trx) => {
    for (const entity of byQboName.values()) {
      const changes = result.changes.get(entity.qboName) ?? [];
      const upserted = await upsertChanges(
        trx,
        entity,
        changes.filter((c) => !c.deleted).map((c) => c.record),
        audit,
      );
      const deleted = await recordDeletions(
        trx,
        entity,
        changes.filter((c) => c.deleted).map((c) => c.record),
        audit,
      );
      await addEntityCounts(trx, ctx.lease.cycleId, entity.name, {
        method: 'cdc',
        upserted,
        deleted,
        requests: 0,
      });
    }
    await addCycleRequests(trx, ctx.lease.cycleId, result.requests);
    await alsoWrite?.(trx);
  });
}
