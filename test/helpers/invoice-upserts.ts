/**
 * What the page-upsert tests of raw.qb_invoices share: a database of their own, the table emptied
 * before each test, a page's audit columns, and the upsert of one page in its own transaction.
 * Call inside a `describe`: the hooks belong to it.
 */
import { after, before, beforeEach } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/infra/db.js';
import { getEntity } from '../../src/model/entities.js';
import type { ParsedRecord } from '../../src/qbo/qbo-record.js';
import { upsertPage, type PageAudit, type UpsertCounts } from '../../src/raw/upsert-page.js';
import { createTestDatabase, type TestDatabase } from './db.js';

const invoices = getEntity('invoices');

const audit: PageAudit = {
  realmId: '7',
  runId: 'r1',
  windowStart: new Date('2026-01-15T00:00:00Z'),
  windowEnd: new Date('2026-01-16T00:00:00Z'),
  pageNumber: 1,
  pageSize: 1000,
  requestPayload: "SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime >= '2026-01-15T00:00:00Z'",
};

export interface InvoiceUpserts {
  readonly db: Db;
  upsert(this: void, records: ParsedRecord[]): Promise<UpsertCounts>;
}

export function invoiceUpserts(): InvoiceUpserts {
  let tdb: TestDatabase | undefined;
  const db = (): Db => {
    if (!tdb) throw new Error('invoiceUpserts: the database is opened in before()');
    return tdb.db;
  };
  before(async () => {
    tdb = await createTestDatabase();
  });
  beforeEach(async () => {
    await sql`TRUNCATE raw.qb_invoices`.execute(db());
  });
  after(async () => {
    await tdb?.drop();
  });
  return {
    get db() {
      return db();
    },
    upsert: (records) =>
      db()
        .transaction()
        .execute((trx) => upsertPage(trx, invoices, records, audit)),
  };
}
