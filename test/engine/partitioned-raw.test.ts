/**
 * raw.qb_invoices hash-partitioned by realm_id with the DDL docs/deploy.md gives. Its primary key
 * (realm_id, id) leads with the partition key, so ON CONFLICT (realm_id, id) finds a row's one
 * partition; but the page upsert tells an insert from an update by `RETURNING (xmax = 0)`, and
 * PostgreSQL (15 here) refuses a system column in RETURNING from a partitioned table. This test
 * keeps docs/deploy.md honest: when it fails, the upsert (or PostgreSQL) has changed, and the page
 * can say that partitioning works as it is.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { getEntity } from '../../src/model/entities.js';
import { parseRecord } from '../../src/qbo/qbo-record.js';
import { upsertPage, type PageAudit } from '../../src/raw/upsert-page.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const PARTITIONS = 4;

/**
 * docs/deploy.md's DDL for one table: the staging views set aside (they name the table being
 * replaced; `migrate` makes them again), the partitioned copy, the rows moved, the names swapped.
 */
const PARTITION_DDL = [
  `DROP SCHEMA staging CASCADE`,
  `DELETE FROM ops.kysely_migration WHERE name IN ('0009_staging', '0010_general_ledger')`,
  `CREATE TABLE raw.qb_invoices_by_realm (LIKE raw.qb_invoices INCLUDING DEFAULTS INCLUDING COMPRESSION)
     PARTITION BY HASH (realm_id)`,
  ...Array.from(
    { length: PARTITIONS },
    (_, i) =>
      `CREATE TABLE raw.qb_invoices_p${i} PARTITION OF raw.qb_invoices_by_realm
         FOR VALUES WITH (MODULUS ${PARTITIONS}, REMAINDER ${i})`,
  ),
  `ALTER TABLE raw.qb_invoices_by_realm ADD PRIMARY KEY (realm_id, id)`,
  `CREATE INDEX ON raw.qb_invoices_by_realm (realm_id, source_last_updated_utc)`,
  `INSERT INTO raw.qb_invoices_by_realm SELECT * FROM raw.qb_invoices`,
  `ALTER TABLE raw.qb_invoices RENAME TO qb_invoices_unpartitioned`,
  `ALTER TABLE raw.qb_invoices_by_realm RENAME TO qb_invoices`,
  `DROP TABLE raw.qb_invoices_unpartitioned`,
];

const audit = (realmId: string): PageAudit => ({
  realmId,
  runId: 'r1',
  windowStart: new Date('2026-01-15T00:00:00Z'),
  windowEnd: new Date('2026-01-16T00:00:00Z'),
  pageNumber: 1,
  pageSize: 1000,
  requestPayload: 'SELECT * FROM Invoice',
});
const invoice = (id: string) =>
  parseRecord({ Id: id, SyncToken: '0', TotalAmt: 1, MetaData: { LastUpdatedTime: '2026-01-15T10:00:00Z' } });

describe('raw.qb_invoices hash-partitioned by realm_id', () => {
  let tdb: TestDatabase;
  const upsert = (realmId: string) =>
    tdb.db
      .transaction()
      .execute((trx) => upsertPage(trx, getEntity('invoices'), [invoice('1'), invoice('2')], audit(realmId)));

  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb?.drop();
  });

  it("keeps the rows through docs/deploy.md's DDL, and the upsert's RETURNING (xmax = 0) is refused there", async () => {
    assert.deepEqual(await upsert('7'), { inserted: 2, updated: 0, unchanged: 0 });
    await tdb.db.transaction().execute(async (trx) => {
      for (const statement of PARTITION_DDL) await sql.raw(statement).execute(trx);
    });
    const moved = await sql<{ partition: string; n: number }>`
      SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM raw.qb_invoices GROUP BY 1`.execute(
      tdb.db,
    );
    assert.equal(moved.rows.length, 1);
    assert.match(moved.rows[0]?.partition ?? '', /^raw\.qb_invoices_p\d$/);
    assert.equal(moved.rows[0]?.n, 2);
    await assert.rejects(upsert('8'), { message: 'cannot retrieve a system column in this context' });
  });
});
