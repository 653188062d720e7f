import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { getEntity } from '../../src/shared/entities.js';
import { parseRecord } from '../../src/workers/qbo-record.js';
import { upsertPage, type PageAudit } from '../../src/workers/upsert-page.js';

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
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb.drop();
  });
  const upsert = (records: ReturnType<typeof parseRecord>[]) =>
    tdb.db.transaction().execute((trx) => upsertPage(trx, customers, records, audit));

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
    const rows = await tdb.db.selectFrom('raw.qb_customers').selectAll().orderBy('id').execute();
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
});
