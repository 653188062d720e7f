import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'bullmq';
import { createLogger } from '../../src/infra/logger.js';
import { SYNC_CHANGES, type CounterDef, type MetricsRecorder } from '../../src/infra/cluster-metrics.js';
import { processSyncCycle } from '../../src/sync/sync-cycle.js';
import { SYNC_DEFAULTS, type SyncCycleJobData, type SyncCycleSummary } from '../../src/sync/sync-queue.js';
import type { SyncQbo } from '../../src/sync/cycle-context.js';
import { parseRecord } from '../../src/qbo/qbo-record.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const M = 60_000;
const H = 60 * M;
const logger = createLogger({ level: 'silent' });

/** The changes counter of a real cycle: a CDC deletion counts under its entity, change="deleted". */
void describe('a sync cycle counts deletions by entity', () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => tdb.drop());

  void it('increments qbo_backfill_sync_changes_total{change="deleted"} for what CDC reports deleted', async () => {
    const realmId = '4620816399';
    // Within CDC's look-back of the worker's clock, so the cycle asks CDC and nothing else.
    await tdb.db
      .insertInto('ops.sync_marks')
      .values({ realm_id: realmId, entity: 'invoices', mark_utc: new Date(Date.now() - H), basis: 'cdc' })
      .execute();
    const deletedAt = new Date(Date.now() - M);
    const stub = (id: string) =>
      parseRecord({
        domain: 'QBO',
        status: 'Deleted',
        Id: id,
        MetaData: { LastUpdatedTime: deletedAt.toISOString() },
      });
    const qbo: SyncQbo = {
      cdc: () =>
        Promise.resolve({
          changes: new Map([
            ['Invoice', [stub('101'), stub('102')].map((record) => ({ record, deleted: true }))],
          ]),
          objects: 2,
          time: new Date(),
          intuitTid: undefined,
          request: 'GET /cdc?entities=Invoice',
          requests: 1,
        }),
      query: () => Promise.reject(new Error('no query expected: CDC answered under its cap')),
    };
    const counted: { name: string; labels: Record<string, string>; by: number }[] = [];
    const metrics: MetricsRecorder = {
      inc: (metric: CounterDef, labels, by = 1) => void counted.push({ name: metric.name, labels, by }),
      observe: () => undefined,
      close: () => Promise.resolve(),
    };
    const data: SyncCycleJobData = {
      realmId,
      entities: ['invoices'],
      trigger: 'once',
      rereadEveryMs: SYNC_DEFAULTS.rereadEveryMs,
    };
    const job = { id: 'c-deletions', data } as unknown as Job<SyncCycleJobData, SyncCycleSummary>;
    const summary = await processSyncCycle(job, undefined, { db: tdb.db, qbo, logger, metrics });
    assert.deepEqual(summary.entities.invoices, { upserted: 0, deleted: 2, requests: 0, method: 'cdc' });
    assert.deepEqual(
      counted.filter((c) => c.name === SYNC_CHANGES.name),
      [
        { name: SYNC_CHANGES.name, labels: { entity: 'invoices', change: 'upserted' }, by: 0 },
        { name: SYNC_CHANGES.name, labels: { entity: 'invoices', change: 'deleted' }, by: 2 },
      ],
    );
    const marked = await tdb.db
      .selectFrom('raw.qb_invoices')
      .select(['id', 'deleted_at_utc'])
      .where('realm_id', '=', realmId)
      .orderBy('id')
      .execute();
    assert.deepEqual(marked, [
      { id: '101', deleted_at_utc: deletedAt },
      { id: '102', deleted_at_utc: deletedAt },
    ]);
  });
});
