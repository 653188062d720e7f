import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../model/db-types.js';
import type { EntityDefinition } from '../model/entities.js';
import { int4Array, int8Array, textArray, timestamptzArray } from './pg-binary-array.js';
import type { ParsedRecord } from '../qbo/qbo-record.js';
import { hasSuspectEscape, storableJson, type Adjustment } from '../infra/storable-json.js';

export interface PageAudit {
  realmId: string;
  runId: string;
  windowStart: Date;
  windowEnd: Date;
  pageNumber: number;
  pageSize: number;
  /** The exact statement sent to QBO. */
  requestPayload: string;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** A page's upsert, built but not run: one row `{ inserted }` per record it inserted or replaced. */
export interface PageUpsertStatement {
  /** The statement; with `guard`, it stores nothing unless the guard holds. */
  statement(guard?: RawBuilder<boolean>): RawBuilder<{ inserted: boolean; day: string | null }>;
  /** Records it offers (each Id once); those it neither inserts nor replaces are unchanged. */
  rows: number;
}

/** Records stored with the smallest change that made them storable, by reason (see storableJson). */
export type Adjusted = Partial<Record<Adjustment, number>>;

/**
 * Upserts one page in one statement. A stored record is replaced only by a newer version:
 * (LastUpdatedTime, SyncToken) strictly greater. Re-reading the same version leaves it alone, so
 * a second run counts everything as unchanged, and an old page replayed late never wins.
 *
 * The payloads travel as the response body as QBO sent it, ONE parameter; Id, SyncToken and
 * LastUpdatedTime, which the worker has read already, go as arrays. A body scanned as bytes goes
 * as `bytea` with each record's byte range, and PostgreSQL parses each record's text into jsonb
 * once and never the envelope; any other body goes as one jsonb, the records picked out by
 * position (`jsonb_array_elements ... WITH ORDINALITY`). The ranges cost the backend 18-26 ms a
 * page of 1000 invoices against 31-41 for the whole body as jsonb (parsing the
 * envelope, copying the array out of it with `#>`, and every element again, was a sixth of the
 * backend's time in memmove alone). A statement of one row per record and twelve parameters each
 * cost Node more than the rows cost PostgreSQL; this costs it nothing per record. Records built
 * in code (no body) are serialised into an array of their own.
 *
 * A record marked deleted (sync) comes back only with a version newer than its deletion: QBO can
 * restore a record, and a page read before the deletion and replayed late must not undo it.
 *
 * `(xmax = 0)` in RETURNING tells a fresh insert from an update; rows the WHERE kept out of the
 * update return nothing and are the unchanged ones.
 */
export async function upsertPage(
  trx: Transaction<Database>,
  entity: EntityDefinition,
  records: ParsedRecord[],
  audit: PageAudit,
  /** Filled with the records stored with a change, by reason. */
  adjusted: Adjusted = {},
): Promise<UpsertCounts> {
  const upsert = pageUpsert(entity, records, audit, adjusted);
  if (!upsert) return { inserted: 0, updated: 0, unchanged: 0 };
  const result = await upsert.statement().execute(trx);
  let inserted = 0;
  for (const r of result.rows) if (r.inserted) inserted++;
  const updated = result.rows.length - inserted;
  return { inserted, updated, unchanged: upsert.rows - result.rows.length };
}

/**
 * upsertPage's statement, built but not run, so the window loop can run it in the same statement
 * as the window's counters (commitPageWithUpsert). Undefined when no record has an Id.
 */
export function pageUpsert(
  entity: EntityDefinition,
  records: ParsedRecord[],
  audit: PageAudit,
  /** Filled with the records stored with a change, by reason. */
  adjusted: Adjusted = {},
): PageUpsertStatement | undefined {
  const rows = newestPerId(records);
  if (rows.length === 0) return undefined;
  // Binary arrays (pg-binary-array.ts): neither side writes or parses a text literal per element.
  const ids = textArray(rows.map((r) => r.id as string));
  const tokens = int8Array(rows.map((r) => r.syncToken));
  const times = timestamptzArray(rows.map((r) => r.lastUpdated));
  const ranges = recordRanges(rows);
  let payload, from;
  if (ranges) {
    // convert_from checks the bytes are UTF-8, as jsonb's own input would.
    payload = sql`convert_from(substr(${ranges.bytes}::bytea, r.b, r.l), 'UTF8')::jsonb`;
    from = sql`unnest(${int4Array(ranges.starts)}::int[], ${int4Array(ranges.lengths)}::int[], ${ids}::text[],
        ${tokens}::bigint[], ${times}::timestamptz[]) AS r(b, l, i, s, u)`;
  } else {
    const page = pagePayloads(rows, adjusted);
    payload = sql`e.p`;
    from = sql`unnest(${int4Array(page.positions)}::int[], ${ids}::text[], ${tokens}::bigint[],
        ${times}::timestamptz[]) AS r(n, i, s, u)
      JOIN jsonb_array_elements((${page.json}::jsonb) #> ${page.path}::text[]) WITH ORDINALITY AS e(p, n)
        USING (n)`;
  }

  const table = sql.table(`raw.${entity.table}`);
  const statement = (guard: RawBuilder<boolean> = sql`true`) => sql<{
    inserted: boolean;
    day: string | null;
  }>`
    INSERT INTO ${table} AS t (realm_id, id, payload, sync_token, source_last_updated_utc,
      ingested_at_utc, extract_window_start_utc, extract_window_end_utc, page_number, page_size,
      request_payload, run_id)
    SELECT ${audit.realmId}::text, r.i, ${payload}, r.s, r.u, ${new Date()}::timestamptz,
      ${audit.windowStart}::timestamptz, ${audit.windowEnd}::timestamptz, ${audit.pageNumber}::int,
      ${audit.pageSize}::int, ${audit.requestPayload}::text, ${audit.runId}::text
    FROM ${from}
    WHERE ${guard}
    ON CONFLICT (realm_id, id) DO UPDATE SET
      payload = excluded.payload,
      sync_token = excluded.sync_token,
      source_last_updated_utc = excluded.source_last_updated_utc,
      ingested_at_utc = excluded.ingested_at_utc,
      extract_window_start_utc = excluded.extract_window_start_utc,
      extract_window_end_utc = excluded.extract_window_end_utc,
      page_number = excluded.page_number,
      page_size = excluded.page_size,
      request_payload = excluded.request_payload,
      run_id = excluded.run_id,
      deleted_at_utc = NULL
    WHERE (coalesce(excluded.source_last_updated_utc, '-infinity'), coalesce(excluded.sync_token, -1))
        > (coalesce(t.source_last_updated_utc, '-infinity'), coalesce(t.sync_token, -1))
      AND (t.deleted_at_utc IS NULL OR excluded.source_last_updated_utc > t.deleted_at_utc)
    RETURNING (xmax = 0) AS inserted, (t.source_last_updated_utc AT TIME ZONE 'UTC')::date AS day`;
  return { statement, rows: rows.length };
}

/**
 * ON CONFLICT cannot touch one row twice in a statement: keep the newest version of each Id, and
 * drop records without one (the window loop counts those as skipped).
 */
export function newestPerId(records: readonly ParsedRecord[]): ParsedRecord[] {
  const newest = new Map<string, ParsedRecord>();
  for (const r of records) {
    if (r.id === undefined) continue;
    const seen = newest.get(r.id);
    if (!seen || isNewer(r, seen)) newest.set(r.id, r);
  }
  return [...newest.values()];
}

/** The records' texts as byte ranges of one body: 1-based starts and lengths, as `substr` takes them. */
export interface RecordRanges {
  bytes: Buffer;
  starts: number[];
  lengths: number[];
}

/**
 * The rows' texts as ranges of the one body they were all scanned from (qbo-response.ts), or
 * undefined when they were not (records built in code, several bodies, a body read by JSON.parse).
 * A body with an escape jsonb refuses is never scanned, but the check is cheap (a byte search)
 * and keeps such a body on pagePayloads' path, which makes each record storable.
 */
export function recordRanges(rows: readonly ParsedRecord[]): RecordRanges | undefined {
  const page = rows[0]?.source?.page;
  if (page === undefined || !Buffer.isBuffer(page.body)) return undefined;
  const starts: number[] = [];
  const lengths: number[] = [];
  for (const r of rows) {
    const source = r.source;
    if (source?.page !== page || source.start === undefined || source.end === undefined) return undefined;
    starts.push(source.start + 1);
    lengths.push(source.end - source.start);
  }
  return hasSuspectEscape(page.body) ? undefined : { bytes: page.body, starts, lengths };
}

/**
 * The payloads of a page: a JSON text, the path of the record array in it, and each row's 1-based
 * position. A body kept as bytes goes as jsonb's binary form (a version byte, then the same
 * text): node-postgres sends a Buffer parameter as binary, so its bytes are copied into the
 * message as they are, where a string would be encoded to UTF-8 again.
 */
export interface PagePayloads {
  json: string | Buffer;
  path: string[];
  positions: number[];
}

/**
 * Where the rows' payloads come from: the response body they were all read from, as it is, or,
 * for records built in code, taken from several bodies, or a body jsonb would refuse, a JSON array
 * serialised record by record. jsonb refuses U+0000 and lone surrogates and would fail the whole
 * page for one record: those records are stored with the smallest change that makes them storable
 * (storableJson), counted in `adjusted` by reason; every other record is kept exactly as sent.
 */
export function pagePayloads(rows: readonly ParsedRecord[], adjusted: Adjusted = {}): PagePayloads {
  const body = rows[0]?.source?.page;
  if (body !== undefined && rows.every((r) => r.source?.page === body) && !hasSuspectEscape(body.body)) {
    return {
      json: typeof body.body === 'string' ? body.body : Buffer.concat([JSONB_VERSION, body.body]),
      path: [...body.path],
      positions: rows.map((r) => (r.source?.index as number) + 1),
    };
  }
  const payloads = rows.map((r) => {
    const storable = storableJson(r.raw);
    for (const reason of storable.adjustments) adjusted[reason] = (adjusted[reason] ?? 0) + 1;
    return storable.json;
  });
  return { json: `[${payloads.join(',')}]`, path: [], positions: rows.map((_, k) => k + 1) };
}

/** jsonb's binary input format: version 1, then the JSON text. */
const JSONB_VERSION = Buffer.from([1]);

function isNewer(a: ParsedRecord, b: ParsedRecord): boolean {
  const at = a.lastUpdated?.getTime() ?? -Infinity;
  const bt = b.lastUpdated?.getTime() ?? -Infinity;
  return at !== bt ? at > bt : (a.syncToken ?? -1) > (b.syncToken ?? -1);
}
