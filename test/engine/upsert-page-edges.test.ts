import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { invoiceUpserts } from '../helpers/invoice-upserts.js';
import { parseQboBody } from '../../src/qbo/qbo-json.js';
import { pageRecords, parseRecord } from '../../src/qbo/qbo-record.js';

const invoice = (id: string, syncToken: string, lastUpdated: string, memo: string) => ({
  Id: id,
  SyncToken: syncToken,
  PrivateNote: memo,
  MetaData: { LastUpdatedTime: lastUpdated },
});
/** Records as the worker gets them: read from a response body, each with its text as sent. */
const fromBody = (body: string) =>
  pageRecords(
    (parseQboBody(body) as { QueryResponse: Record<string, unknown> }).QueryResponse,
    'Invoice',
  ).map(parseRecord);
const page = (...rows: object[]) => fromBody(JSON.stringify({ QueryResponse: { Invoice: rows } }));

describe('page upsert edges', () => {
  const tdb = invoiceUpserts();
  const upsert = tdb.upsert;
  const stored = async () =>
    (await tdb.db.selectFrom('raw.qb_invoices').selectAll().orderBy('id').execute()).map((r) => ({
      id: r.id,
      note: (r.payload as { PrivateNote?: string }).PrivateNote,
      syncToken: r.sync_token === null ? null : Number(r.sync_token),
      updated: r.source_last_updated_utc?.toISOString() ?? null,
    }));

  it('keeps the newest of several versions of one Id in a page, in any order', async () => {
    const versions = [
      invoice('1', '1', '2026-01-15T08:00:00-08:00', 'sync 1'),
      invoice('1', '3', '2026-01-15T09:00:00-08:00', 'newest'),
      invoice('1', '9', '2026-01-15T07:00:00-08:00', 'older time, higher token'),
      invoice('1', '2', '2026-01-15T09:00:00-08:00', 'same time, lower token'),
    ];
    assert.deepEqual(await upsert(page(...versions)), { inserted: 1, updated: 0, unchanged: 0 });
    assert.deepEqual(await upsert(page(...versions.reverse())), { inserted: 0, updated: 0, unchanged: 1 });
    assert.deepEqual(await stored(), [
      { id: '1', note: 'newest', syncToken: 3, updated: '2026-01-15T17:00:00.000Z' },
    ]);
  });

  it('stores a NUL character, which jsonb refuses, as U+FFFD instead of failing the page', async () => {
    const rows = [
      invoice('1', '0', '2026-01-15T08:00:00-08:00', 'a\u0000b'),
      // A backslash followed by the letters u0000 is text, not a NUL: kept as it is.
      invoice('2', '0', '2026-01-15T08:00:00-08:00', 'c\\u0000d\\\u0000'),
    ];
    assert.deepEqual(await upsert(page(...rows)), { inserted: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(
      (await stored()).map((r) => r.note),
      ['a\ufffdb', 'c\\u0000d\\\ufffd'],
    );
    // Records built in code (no text kept) take the same path.
    await sql`TRUNCATE raw.qb_invoices`.execute(tdb.db);
    assert.deepEqual(await upsert(rows.map(parseRecord)), { inserted: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(
      (await stored()).map((r) => r.note),
      ['a\ufffdb', 'c\\u0000d\\\ufffd'],
    );
  });

  it('stores the record text as QBO sent it, numbers a double cannot hold included', async () => {
    const body =
      '{"QueryResponse":{"Invoice":[{"Id":"5","SyncToken":"0","TotalAmt":12345678901234567.891,' +
      '"MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00-08:00"}}]}}';
    assert.deepEqual(await upsert(fromBody(body)), { inserted: 1, updated: 0, unchanged: 0 });
    const r = await sql<{ amt: string }>`SELECT payload->>'TotalAmt' AS amt FROM raw.qb_invoices`.execute(
      tdb.db,
    );
    assert.equal(r.rows[0]?.amt, '12345678901234567.891');
  });

  it('takes each payload from its own position in the body, whichever records the page keeps', async () => {
    const records = page(
      invoice('1', '0', '2026-01-15T08:00:00-08:00', 'first, read with the previous page'),
      { PrivateNote: 'no Id' },
      invoice('3', '0', '2026-01-15T08:00:00-08:00', 'third'),
      invoice('4', '0', '2026-01-15T08:00:00-08:00', 'fourth'),
    );
    assert.deepEqual(await upsert(records.slice(1)), { inserted: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(
      (await stored()).map((r) => [r.id, r.note]),
      [
        ['3', 'third'],
        ['4', 'fourth'],
      ],
    );
  });

  it('stores what the worker parsed when a body names the record array twice', async () => {
    const body =
      '{"QueryResponse":{"Invoice":[{"Id":"1","PrivateNote":"shadowed"}],' +
      '"Invoice":[{"Id":"2","PrivateNote":"kept"},{"Id":"1","PrivateNote":"kept too"}]}}';
    assert.deepEqual(await upsert(fromBody(body)), { inserted: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(
      (await stored()).map((r) => [r.id, r.note]),
      [
        ['1', 'kept too'],
        ['2', 'kept'],
      ],
    );
  });

  it('orders versions without LastUpdatedTime or SyncToken below any version that has them', async () => {
    const bare = { Id: '8', PrivateNote: 'no metadata' };
    assert.deepEqual(await upsert(page(bare)), { inserted: 1, updated: 0, unchanged: 0 });
    assert.deepEqual(await upsert(page(bare)), { inserted: 0, updated: 0, unchanged: 1 });
    assert.deepEqual(await upsert(page(invoice('8', '0', '2026-01-15T08:00:00-08:00', 'dated'))), {
      inserted: 0,
      updated: 1,
      unchanged: 0,
    });
    assert.deepEqual(await upsert(page(bare)), { inserted: 0, updated: 0, unchanged: 1 });
    assert.deepEqual(await stored(), [
      { id: '8', note: 'dated', syncToken: 0, updated: '2026-01-15T16:00:00.000Z' },
    ]);
  });
});
