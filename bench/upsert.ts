/**
 * The page upsert alone, by statement shape, on the same 10 pages of ~1000 large-profile invoices:
 * first load, the same versions again (all unchanged), then every record newer (all updated).
 * Also what Node spends per page before the database sees it, and plain COPY as the floor.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { startEmulator } from '@qbo-backfill/emulator';
import { getEntity } from '../src/model/entities.js';
import { parseQboBody } from '../src/qbo/qbo-json.js';
import { pageRecords, parseRecord, type ParsedRecord } from '../src/qbo/qbo-record.js';
import { readPageRecords, readQueryResponse } from '../src/qbo/qbo-response.js';
import { pagePayloads, upsertPage, type PageAudit, type UpsertCounts } from '../src/raw/upsert-page.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db.js';
import {
  copyPagePlain,
  upsertPageCopyStaging,
  upsertPageRecordset,
  upsertPageValues,
} from './upsert-shapes.js';
import { accessToken, dayPageAudit, fetchDayPage, ms, rate, utcDay, type BenchResult } from './lib.js';

interface Page {
  body: string;
  records: ParsedRecord[];
  /** The same records as the worker reads them: scanned from the body's bytes. */
  scanned: ParsedRecord[];
  audit: PageAudit;
}

type Shape = (page: Page, records: ParsedRecord[]) => Promise<UpsertCounts>;

const PAGES = 10;

export async function benchUpsert(): Promise<BenchResult> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 9 });
  const tdb = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: tdb.url, max: 1 });
  pool.on('error', () => undefined);
  const entity = getEntity('invoices');
  const realmId = emulator.realmIds[0] as string;
  try {
    const token = await accessToken({ ...emulator, refreshToken: emulator.refreshToken });
    const pages: Page[] = [];
    for (let d = 0; d < PAGES; d++) {
      const day = utcDay('2025-06-01', d);
      const { body, statement } = await fetchDayPage(emulator.url, token, realmId, entity, day);
      // As the worker reads a body: scanned from its bytes (the upsert sends each record's range).
      const scanned = readPageRecords(readQueryResponse(Buffer.from(body))!, entity.qboName);
      // As it reads a body the scan does not take: parsed, the upsert sends the whole body as jsonb.
      const records = pageRecords(
        (parseQboBody(body) as { QueryResponse: Record<string, unknown> }).QueryResponse,
        entity.qboName,
      ).map(parseRecord);
      pages.push({
        body,
        records,
        scanned,
        audit: dayPageAudit(realmId, day, statement),
      });
    }
    const rows = pages.reduce((n, p) => n + p.records.length, 0);
    const mb = (pages.reduce((n, p) => n + p.body.length, 0) / 2 ** 20).toFixed(1);
    const out: string[] = [];

    // What Node does per page before any statement: parse the body, read each record, serialise.
    const stage = (label: string, fn: (p: Page) => unknown) => {
      const t0 = performance.now();
      for (const p of pages) fn(p);
      const t = performance.now() - t0;
      out.push(
        `| Node, ${label}, ${PAGES} pages | ${rows} rows, ${mb} MB of JSON | ${(t / PAGES).toFixed(1)} ms/page |`,
      );
    };
    stage('JSON.parse of the body', (p) => JSON.parse(p.body));
    stage('parseRecord of each record', (p) => p.records.map((r) => parseRecord(r.raw)));
    stage('JSON.stringify of each record (before)', (p) => p.records.map((r) => JSON.stringify(r.raw)));
    stage('pagePayloads: the body as received (bodies the scan refuses)', (p) => pagePayloads(p.records));
    stage('pagePayloads: records serialised again (no body)', (p) =>
      pagePayloads(p.records.map((r) => ({ ...r, source: undefined }))),
    );

    const inTrx =
      (fn: typeof upsertPageRecordset): Shape =>
      (p, records) =>
        tdb.db.transaction().execute((trx) => fn(trx, entity, records, p.audit));
    const onClient =
      (fn: typeof upsertPageCopyStaging): Shape =>
      async (p, records) => {
        const client = await pool.connect();
        try {
          return await fn(client, entity, records, p.audit);
        } finally {
          client.release();
        }
      };
    const shapes: [string, Shape][] = [
      [
        "each record's byte range of the body, sent as bytea (product)",
        // The scanned records, with the sync tokens of the pass (every record newer: one more).
        (p, records) =>
          inTrx(upsertPage)(
            p,
            p.scanned.map((r, k) => ({ ...r, syncToken: records[k]!.syncToken })),
          ),
      ],
      [
        'the body as one jsonb parameter, rows picked by position (product, bodies the scan refuses)',
        inTrx(upsertPage),
      ],
      ['jsonb_to_recordset of the records serialised again', inTrx(upsertPageRecordset)],
      ['multi-row VALUES, 12 parameters a row (before)', inTrx(upsertPageValues)],
      ['COPY to a staging table + INSERT … SELECT', onClient(upsertPageCopyStaging)],
    ];
    for (const [label, shape] of shapes) {
      await truncate(tdb);
      out.push(await pass(pages, rows, `${label}: first load`, shape));
      out.push(await pass(pages, rows, `${label}: same versions again`, shape));
      out.push(
        await pass(pages, rows, `${label}: every record newer`, shape, (r) => ({
          ...r,
          syncToken: (r.syncToken ?? 0) + 1,
        })),
      );
    }
    // The floor: COPY into an empty copy of the table, one page per COPY, no conflict handling.
    await sql`CREATE TABLE public.copy_target (LIKE raw.qb_invoices INCLUDING ALL)`.execute(tdb.db);
    const client = await pool.connect();
    try {
      const t0 = performance.now();
      for (const p of pages) {
        await client.query('BEGIN');
        await copyPagePlain(client, 'public.copy_target', p.records, p.audit);
        await client.query('COMMIT');
      }
      const t = ms(t0);
      out.push(
        `| plain COPY of each page into an empty copy of the table (floor) | ${rows} rows | ${t} ms (${rate(rows, t)} rows/s, ${(t / PAGES).toFixed(1)} ms/page) |`,
      );
    } finally {
      client.release();
    }
    return { rows: out };
  } finally {
    await pool.end();
    await emulator.close();
    await tdb.drop();
  }
}

async function truncate(tdb: TestDatabase) {
  await sql`TRUNCATE raw.qb_invoices`.execute(tdb.db);
  await sql`VACUUM ANALYZE raw.qb_invoices`.execute(tdb.db);
}

async function pass(
  pages: Page[],
  rows: number,
  label: string,
  shape: Shape,
  mutate?: (r: ParsedRecord) => ParsedRecord,
): Promise<string> {
  const t0 = performance.now();
  const totals = { inserted: 0, updated: 0, unchanged: 0 };
  for (const p of pages) {
    const c = await shape(p, mutate ? p.records.map(mutate) : p.records);
    totals.inserted += c.inserted;
    totals.updated += c.updated;
    totals.unchanged += c.unchanged;
  }
  const t = ms(t0);
  return `| upsert, ${label} | ${rows} rows (${totals.inserted} ins / ${totals.updated} upd / ${totals.unchanged} unch) | ${t} ms (${rate(rows, t)} rows/s, ${(t / pages.length).toFixed(1)} ms/page) |`;
}
