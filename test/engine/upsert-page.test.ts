import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { getEntity } from '../../src/model/entities.js';
import { parseRecord } from '../../src/qbo/qbo-record.js';
import { pageUpsert, upsertPage, type PageAudit } from '../../src/raw/upsert-page.js';
import { commitPageWithUpsert, createRun, getWindow, startWindow } from '../../src/backfill/state/index.js';

const customers = getEntity('customers');
const audit: PageAudit = {
  realmId: '1',
  runId: 'r1',
  windowStart: new Date('2026-01-15T00:00:00Z'),
  windowEnd: new Date('2026-01-16T00:00:00Z'),
  pageNumber: 1,
  pageSize: 1000,
  requestPayload: 'SELECT * FROM Customer',
};
const customer = (id: string, syncToken: string, lastUpdated: string, name: string) =>
  parseRecord({
    Id: id,
    SyncToken: syncToken,
    DisplayName: name,
    Tags: ['a', 'b'],
    MetaData: { LastUpdatedTime: lastUpdated },
  });

describe('page upsert', () => {
  const tdb = useTestDatabase();
  const upsert = (records: ReturnType<typeof parseRecord>[]) =>
    tdb()
      .db.transaction()
      .execute((trx) => upsertPage(trx, customers, records, audit));

  it('counts inserted, updated and unchanged exactly, and never lets an older version win', async () => {
    assert.deepEqual(
      await upsert([
        customer('1', '0', '2026-01-15T08:00:00-08:00', 'A'),
        customer('2', '0', '2026-01-15T09:00:00-08:00', 'B'),
      ]),
      { inserted: 2, updated: 0, unchanged: 0 },
    );
    // Same versions again: unchanged.
    assert.deepEqual(
      await upsert([
        customer('1', '0', '2026-01-15T08:00:00-08:00', 'A'),
        customer('2', '0', '2026-01-15T09:00:00-08:00', 'B'),
      ]),
      { inserted: 0, updated: 0, unchanged: 2 },
    );
    // 1 newer (updated), 2 older (kept as is), 3 new, and a record without Id (not written).
    assert.deepEqual(
      await upsert([
        customer('1', '1', '2026-01-15T10:00:00-08:00', 'A2'),
        customer('2', '0', '2026-01-15T07:00:00-08:00', 'B-old'),
        customer('3', '0', '2026-01-15T11:00:00-08:00', 'C'),
        parseRecord({ DisplayName: 'no id' }),
      ]),
      { inserted: 1, updated: 1, unchanged: 1 },
    );
    // Same time, higher SyncToken wins; duplicates inside one page keep the newest.
    assert.deepEqual(
      await upsert([
        customer('3', '2', '2026-01-15T11:00:00-08:00', 'C2'),
        customer('3', '1', '2026-01-15T11:00:00-08:00', 'C1'),
      ]),
      { inserted: 0, updated: 1, unchanged: 0 },
    );
    const rows = await tdb().db.selectFrom('raw.qb_customers').selectAll().orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => [r.id, (r.payload as { DisplayName: string }).DisplayName, Number(r.sync_token)]),
      [
        ['1', 'A2', 1],
        ['2', 'B', 0],
        ['3', 'C2', 2],
      ],
    );
    // JSONB holds the record exactly as sent (arrays stay JSON arrays).
    assert.deepEqual((rows[0]?.payload as { Tags: string[] }).Tags, ['a', 'b']);
    assert.equal(rows[0]?.source_last_updated_utc?.toISOString(), '2026-01-15T18:00:00.000Z');
    assert.equal(rows[0]?.request_payload, 'SELECT * FROM Customer');
    assert.equal(rows[0]?.extract_window_start_utc.toISOString(), '2026-01-15T00:00:00.000Z');
  });

  it("commits the rows and the window's counters in one statement, counted exactly, or neither", async () => {
    const key = { runId: 'one-statement', entity: 'customers', day: '2026-01-15' };
    await createRun(tdb().db, {
      runId: key.runId,
      realmId: '1',
      entities: ['customers'],
      from: audit.windowStart,
      to: audit.windowEnd,
      pageSize: 1000,
      startAt: new Date(),
      dedupeKey: key.runId,
      windows: [{ entity: 'customers', day: key.day, start: audit.windowStart, end: audit.windowEnd }],
    });
    // A page commits for the attempt that started the window (it loaded it at lease 0).
    const started = await startWindow(tdb().db, { ...key, lease: 0 }, null);
    assert.ok(started);
    const { attempt } = started;
    const commit = (
      pageNumber: number,
      records: ReturnType<typeof parseRecord>[],
      rowsFetched = records.length,
    ) =>
      commitPageWithUpsert(tdb().db, attempt, pageUpsert(customers, records, { ...audit, pageNumber }), {
        pageNumber,
        rowsFetched,
        skipped: 1,
        temporalAnomalies: 2,
      });
    const counters = async () => {
      const w = await getWindow(tdb().db, key);
      return [
        w?.pages,
        w?.committed_pages,
        w?.rows_fetched,
        w?.inserted,
        w?.updated,
        w?.unchanged,
        w?.skipped,
        w?.temporal_anomalies,
      ];
    };
    // Ids 1 and 2 exist from the test above (1 at SyncToken 1, 2 at 0): one newer, one the same, one new.
    assert.deepEqual(
      await commit(1, [
        customer('1', '2', '2026-01-15T12:00:00-08:00', 'A3'),
        customer('2', '0', '2026-01-15T09:00:00-08:00', 'B'),
        customer('40', '0', '2026-01-15T09:00:00-08:00', 'D'),
      ]),
      { inserted: 1, updated: 1, unchanged: 1 },
    );
    assert.deepEqual(await counters(), [1, 1, 3, 1, 1, 1, 1, 2]);
    // A page with no storable record still counts as a page.
    assert.deepEqual(await commit(2, [parseRecord({ DisplayName: 'no id' })]), {
      inserted: 0,
      updated: 0,
      unchanged: 0,
    });
    assert.deepEqual(await counters(), [2, 2, 4, 1, 1, 1, 2, 4]);
    // A statement that fails stores neither the rows nor the counters.
    await assert.rejects(
      commitPageWithUpsert(
        tdb().db,
        attempt,
        pageUpsert(customers, [customer('41', '0', '2026-01-15T09:00:00-08:00', 'E')], audit),
        { pageNumber: 3, rowsFetched: Number.NaN, skipped: 0, temporalAnomalies: 0 },
      ),
    );
    assert.deepEqual(await counters(), [2, 2, 4, 1, 1, 1, 2, 4]);
    assert.equal(
      await tdb().db.selectFrom('raw.qb_customers').select('id').where('id', '=', '41').executeTakeFirst(),
      undefined,
    );
  });
});
