import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { invoiceUpserts } from '../helpers/invoice-upserts.js';
import { parseRecord } from '../../src/qbo/qbo-record.js';
import { readPageRecords, readQueryResponse } from '../../src/qbo/qbo-response.js';
import { recordRanges } from '../../src/raw/upsert-page.js';

// The page upsert of records scanned from a body's bytes (as the worker reads every UTF-8 body):
// PostgreSQL gets the body and each record's byte range, and must store what JSON.parse reads.
const scanned = (body: string | Buffer) =>
  readPageRecords(readQueryResponse(Buffer.isBuffer(body) ? body : Buffer.from(body))!, 'Invoice');
const invoice = (id: string, syncToken: string, memo: string) => ({
  Id: id,
  SyncToken: syncToken,
  PrivateNote: memo,
  MetaData: { LastUpdatedTime: '2026-01-15T08:00:00-08:00' },
});
const body = (...rows: object[]) => JSON.stringify({ QueryResponse: { Invoice: rows }, time: 'x' });

describe('page upsert of records scanned from the body as bytes', () => {
  const tdb = invoiceUpserts();
  const upsert = tdb.upsert;
  const payloads = async () =>
    (await tdb.db.selectFrom('raw.qb_invoices').select(['id', 'payload']).orderBy('id').execute()).map(
      (r) => [r.id, r.payload],
    );

  it('sends each record as its byte range of the body, and stores what JSON.parse reads', async () => {
    const rows = [
      invoice('1', '0', 'first'),
      { ...invoice('2', '1', 'multi-byte: é 中 🙂, escapes: \\ " \n \u00e9'), Line: [{ a: [1, 2.5, null] }] },
      invoice('3', '0', 'third'),
    ];
    const text = body(...rows);
    // A byte order mark is not part of the JSON, and the ranges count bytes, not characters.
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    const records = scanned(bytes);
    const ranges = recordRanges(records.slice(1));
    assert.ok(ranges);
    assert.deepEqual(
      ranges.starts.map(
        (s, k) => JSON.parse(ranges.bytes.toString('utf8', s - 1, s - 1 + ranges.lengths[k]!)) as unknown,
      ),
      rows.slice(1),
    );
    assert.deepEqual(await upsert(records.slice(1)), { inserted: 2, updated: 0, unchanged: 0 });
    assert.deepEqual(await payloads(), [
      ['2', rows[1]],
      ['3', rows[2]],
    ]);
    assert.deepEqual(await upsert(scanned(bytes)), { inserted: 1, updated: 0, unchanged: 2 });
  });

  it('keeps numbers a double cannot hold, and the last of duplicate keys, as jsonb reads the text', async () => {
    const text =
      '{"QueryResponse":{"Invoice":[{"Id":"1"}],"Invoice":[{"Id":"5","SyncToken":"0","TotalAmt":12345678901234567.891,' +
      '"PrivateNote":"shadowed","PrivateNote":"kept","MetaData":{"LastUpdatedTime":"2026-01-15T08:00:00-08:00"}}]}}';
    assert.deepEqual(await upsert(scanned(text)), { inserted: 1, updated: 0, unchanged: 0 });
    const r = await sql<{ id: string; amt: string; note: string }>`
      SELECT id, payload->>'TotalAmt' AS amt, payload->>'PrivateNote' AS note FROM raw.qb_invoices`.execute(
      tdb.db,
    );
    assert.deepEqual(r.rows, [{ id: '5', amt: '12345678901234567.891', note: 'kept' }]);
  });

  it('keeps the newest version of an Id and compares versions exactly as before', async () => {
    const v1 = invoice('1', '1', 'old');
    const v2 = invoice('1', '2', 'new');
    assert.deepEqual(await upsert(scanned(body(v2, v1))), { inserted: 1, updated: 0, unchanged: 0 });
    assert.deepEqual(await upsert(scanned(body(v1))), { inserted: 0, updated: 0, unchanged: 1 });
    assert.deepEqual(await upsert(scanned(body(invoice('1', '3', 'newer')))), {
      inserted: 0,
      updated: 1,
      unchanged: 0,
    });
    assert.deepEqual(await payloads(), [['1', invoice('1', '3', 'newer')]]);
  });

  it('sends no ranges for records of two bodies or built in code: those are serialised as before', async () => {
    const a = scanned(body(invoice('1', '0', 'a')));
    const b = scanned(body(invoice('2', '0', 'b')));
    assert.equal(recordRanges([a[0]!, b[0]!]), undefined);
    assert.equal(recordRanges([a[0]!, parseRecord(invoice('3', '0', 'c'))]), undefined);
    assert.deepEqual(await upsert([a[0]!, b[0]!, parseRecord(invoice('3', '0', 'c'))]), {
      inserted: 3,
      updated: 0,
      unchanged: 0,
    });
    assert.equal((await payloads()).length, 3);
  });
});
