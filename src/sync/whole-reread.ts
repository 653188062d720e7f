/**
 * A whole re-read of one entity, compared by id: what sync does where CDC cannot answer (the
 * entities it leaves out, a mark older than its 30 days, an interval it cannot prove complete).
 *
 * It goes through the backfill's read path: the same statements (`SELECT *` with
 * `Active IN (true, false)` for name lists, pages that each start on the previous page's last
 * row), the same parsing and the same newer-only page upsert. QBO's COUNT then proves the read:
 * when a page did not start on the previous page's last row (a record left or entered the order
 * meanwhile), or the ids read differ from the count, the entity is read again. Only a proven read
 * marks records missing from it as deleted: a short read must never delete anything.
 */
import type { EntityDefinition } from '../model/entities.js';
import { readPageRecords } from '../qbo/qbo-response.js';
import { countStatement, pageStartPosition, pageStatement } from '../qbo/query.js';
import { QBO_MAX_PAGE_SIZE } from '../qbo/query.js';
import type { CycleContext } from './cycle-context.js';
import { addCycleRequests, addEntityCounts, advanceMark, commitCycleStep } from './sync-state.js';
import { recordMissing, upsertChanges } from './sync-writes.js';

/** Pages of a re-read: QBO's largest. */
export const REREAD_PAGE_SIZE = QBO_MAX_PAGE_SIZE;

/** Reads before a re-read that never agrees with QBO's count gives up (the cycle fails, nothing deleted). */
const MAX_PASSES = 3;

/** Re-reads the entity whole, records what is missing as deleted and moves its mark to the read. */
export async function rereadWhole(ctx: CycleContext, entity: EntityDefinition): Promise<void> {
  const whole = { ...entity, read: 'whole' as const };
  const epoch = new Date(0);
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const startedAt = new Date();
    const seen = new Set<string>();
    let qboTime: Date | undefined;
    let shifted = false;
    let lastId: string | undefined;
    for (let page = 0; ; page++) {
      const statement = pageStatement(
        whole,
        epoch,
        epoch,
        pageStartPosition(page, REREAD_PAGE_SIZE),
        REREAD_PAGE_SIZE,
      );
      const result = await ctx.qbo.query(ctx.lease.realmId, statement, entity.name);
      qboTime ??= result.time ?? startedAt;
      const records = readPageRecords(result.queryResponse, entity.qboName);
      if (page > 0 && records[0]?.id !== lastId) shifted = true;
      for (const r of records) if (r.id !== undefined) seen.add(r.id);
      const audit = {
        realmId: ctx.lease.realmId,
        runId: ctx.lease.cycleId,
        windowStart: epoch,
        windowEnd: qboTime,
        pageNumber: page + 1,
        pageSize: REREAD_PAGE_SIZE,
        requestPayload: statement,
      };
      await commitCycleStep(ctx.db, ctx.lease, async (trx) => {
        const upserted = await upsertChanges(trx, entity, records, audit);
        await addEntityCounts(trx, ctx.lease.cycleId, entity.name, {
          method: 'reread',
          upserted,
          deleted: 0,
          requests: result.requests,
        });
        await addCycleRequests(trx, ctx.lease.cycleId, result.requests);
      });
      if (records.length < REREAD_PAGE_SIZE) break;
      lastId = records[records.length - 1]?.id;
    }
    const { queryResponse, requests } = await ctx.qbo.query(
      ctx.lease.realmId,
      countStatement(whole, epoch, epoch),
      entity.name,
    );
    const count = queryResponse.totalCount;
    const proven = !shifted && count === seen.size;
    const at = qboTime ?? startedAt;
    await commitCycleStep(ctx.db, ctx.lease, async (trx) => {
      const deleted = proven
        ? await recordMissing(trx, entity, ctx.lease.realmId, [...seen], at, startedAt)
        : 0;
      await addEntityCounts(trx, ctx.lease.cycleId, entity.name, {
        method: 'reread',
        upserted: 0,
        deleted,
        requests,
      });
      await addCycleRequests(trx, ctx.lease.cycleId, requests);
      // CDC goes on from the read (less the margin for changes QBO stamps late).
      if (proven) await advanceMark(trx, ctx.lease.realmId, entity.name, ctx.markFrom(at), 'reread', at);
    });
    if (proven) return;
    ctx.log.info(
      { entity: entity.name, pass, read: seen.size, count, shifted },
      're-read moved under its pages or disagrees with QBO count; reading it again',
    );
  }
  throw new Error(
    `re-read of ${entity.name} never agreed with QBO's count after ${MAX_PASSES} passes: nothing was marked deleted`,
  );
}
