/**
 * Statement shapes the page upsert was measured against (bench only). The product's shape is
 * `upsertPage` in src/raw/upsert-page.ts; these are the alternatives it was chosen over, kept
 * runnable so the comparison can be repeated.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type pg from 'pg';
import type { Database } from '../src/model/db-types.js';
import type { EntityDefinition } from '../src/model/entities.js';
import type { ParsedRecord } from '../src/qbo/qbo-record.js';
import { newestPerId, type PageAudit, type UpsertCounts } from '../src/raw/upsert-page.js';
import { copyField, copyFrom } from './copy-from.js';

const NEWER = `(coalesce(excluded.source_last_updated_utc, '-infinity'), coalesce(excluded.sync_token, -1))
  > (coalesce(t.source_last_updated_utc, '-infinity'), coalesce(t.sync_token, -1))`;
const SET_ALL = `payload = excluded.payload, sync_token = excluded.sync_token,
  source_last_updated_utc = excluded.source_last_updated_utc, ingested_at_utc = excluded.ingested_at_utc,
  extract_window_start_utc = excluded.extract_window_start_utc, extract_window_end_utc = excluded.extract_window_end_utc,
  page_number = excluded.page_number, page_size = excluded.page_size, request_payload = excluded.request_payload,
  run_id = excluded.run_id`;

function counts(rows: { inserted: boolean }[], total: number): UpsertCounts {
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: total - rows.length };
}

/** The earlier shape: Kysely's multi-row VALUES, twelve parameters a record, payload stringified each. */
export async function upsertPageValues(
  trx: Transaction<Database>,
  entity: EntityDefinition,
  records: ParsedRecord[],
  audit: PageAudit,
): Promise<UpsertCounts> {
  const rows = newestPerId(records);
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const table = `raw.${entity.table}` as 'raw.qb_invoices';
  const now = new Date();
  const result = await trx
    .insertInto(table)
    .values(
      rows.map((r) => ({
        realm_id: audit.realmId,
        id: r.id as string,
        payload: JSON.stringify(r.raw),
        sync_token: r.syncToken,
        source_last_updated_utc: r.lastUpdated,
        ingested_at_utc: now,
        extract_window_start_utc: audit.windowStart,
        extract_window_end_utc: audit.windowEnd,
        page_number: audit.pageNumber,
        page_size: audit.pageSize,
        request_payload: audit.requestPayload,
        run_id: audit.runId,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['realm_id', 'id'])
        .doUpdateSet({
          payload: sql`excluded.payload`,
          sync_token: sql`excluded.sync_token`,
          source_last_updated_utc: sql`excluded.source_last_updated_utc`,
          ingested_at_utc: sql`excluded.ingested_at_utc`,
          extract_window_start_utc: sql`excluded.extract_window_start_utc`,
          extract_window_end_utc: sql`excluded.extract_window_end_utc`,
          page_number: sql`excluded.page_number`,
          page_size: sql`excluded.page_size`,
          request_payload: sql`excluded.request_payload`,
          run_id: sql`excluded.run_id`,
        })
        .where(
          sql<boolean>`(coalesce(excluded.source_last_updated_utc, '-infinity'), coalesce(excluded.sync_token, -1))
            > (coalesce(${sql.table(table)}.source_last_updated_utc, '-infinity'), coalesce(${sql.table(table)}.sync_token, -1))`,
        ),
    )
    .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
    .execute();
  return counts(result, rows.length);
}

/** One JSON text of `{i, s, u, p}` objects unpacked by jsonb_to_recordset; payloads serialised again. */
export async function upsertPageRecordset(
  trx: Transaction<Database>,
  entity: EntityDefinition,
  records: ParsedRecord[],
  audit: PageAudit,
): Promise<UpsertCounts> {
  const rows = newestPerId(records);
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const json = JSON.stringify(
    rows.map((r) => ({ i: r.id, s: r.syncToken, u: r.lastUpdated?.toISOString() ?? null, p: r.raw })),
  );
  const result = await sql<{ inserted: boolean }>`
    INSERT INTO ${sql.table(`raw.${entity.table}`)} AS t (realm_id, id, payload, sync_token, source_last_updated_utc,
      ingested_at_utc, extract_window_start_utc, extract_window_end_utc, page_number, page_size, request_payload, run_id)
    SELECT ${audit.realmId}::text, r.i, r.p, r.s, r.u, ${new Date()}::timestamptz, ${audit.windowStart}::timestamptz,
      ${audit.windowEnd}::timestamptz, ${audit.pageNumber}::int, ${audit.pageSize}::int, ${audit.requestPayload}::text,
      ${audit.runId}::text
    FROM jsonb_to_recordset(${json}::jsonb) AS r(i text, s bigint, u timestamptz, p jsonb)
    ON CONFLICT (realm_id, id) DO UPDATE SET ${sql.raw(SET_ALL)} WHERE ${sql.raw(NEWER)}
    RETURNING (xmax = 0) AS inserted`.execute(trx);
  return counts(result.rows, rows.length);
}

/** The way it was done before: one INSERT … ON CONFLICT statement per record. */
export async function upsertRowByRow(
  db: Kysely<Database>,
  entity: EntityDefinition,
  records: ParsedRecord[],
  audit: PageAudit,
): Promise<UpsertCounts> {
  const table = sql.table(`raw.${entity.table}`);
  const out = { inserted: 0, updated: 0, unchanged: 0 };
  for (const r of records) {
    if (r.id === undefined) continue;
    const res = await sql<{ inserted: boolean }>`
      INSERT INTO ${table} AS t (realm_id, id, payload, sync_token, source_last_updated_utc, ingested_at_utc,
        extract_window_start_utc, extract_window_end_utc, page_number, page_size, request_payload, run_id)
      VALUES (${audit.realmId}, ${r.id}, ${JSON.stringify(r.raw)}, ${r.syncToken}, ${r.lastUpdated}, ${new Date()},
        ${audit.windowStart}, ${audit.windowEnd}, ${audit.pageNumber}, ${audit.pageSize}, ${audit.requestPayload}, ${audit.runId})
      ON CONFLICT (realm_id, id) DO UPDATE SET ${sql.raw(SET_ALL)} WHERE ${sql.raw(NEWER)}
      RETURNING (xmax = 0) AS inserted`.execute(db);
    const row = res.rows[0];
    if (!row) out.unchanged++;
    else if (row.inserted) out.inserted++;
    else out.updated++;
  }
  return out;
}

/**
 * COPY of the page into a temporary staging table, then one INSERT … SELECT … ON CONFLICT. Needs
 * the raw pg client (the transaction is opened on it here), which Kysely's transaction hides.
 */
export async function upsertPageCopyStaging(
  client: pg.PoolClient,
  entity: EntityDefinition,
  records: ParsedRecord[],
  audit: PageAudit,
): Promise<UpsertCounts> {
  const rows = newestPerId(records);
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  let data = '';
  for (const r of rows) {
    data += `${copyField(r.id)}\t${copyField(r.syncToken)}\t${copyField(r.lastUpdated?.toISOString())}\t${copyField(JSON.stringify(r.raw))}\n`;
  }
  await client.query('BEGIN');
  try {
    await client.query(
      'CREATE TEMP TABLE IF NOT EXISTS page_stage (i text, s bigint, u timestamptz, p jsonb) ON COMMIT DELETE ROWS',
    );
    await copyFrom(client, 'page_stage', data);
    const result = await client.query<{ inserted: boolean }>(
      `INSERT INTO raw.${entity.table} AS t (realm_id, id, payload, sync_token, source_last_updated_utc,
         ingested_at_utc, extract_window_start_utc, extract_window_end_utc, page_number, page_size, request_payload, run_id)
       SELECT $1, i, p, s, u, $2, $3, $4, $5, $6, $7, $8 FROM page_stage
       ON CONFLICT (realm_id, id) DO UPDATE SET ${SET_ALL} WHERE ${NEWER}
       RETURNING (xmax = 0) AS inserted`,
      [
        audit.realmId,
        new Date(),
        audit.windowStart,
        audit.windowEnd,
        audit.pageNumber,
        audit.pageSize,
        audit.requestPayload,
        audit.runId,
      ],
    );
    await client.query('COMMIT');
    return counts(result.rows, rows.length);
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/** The floor: COPY of the page's rows straight into a table, no conflict handling, no counts. */
export async function copyPagePlain(
  client: pg.PoolClient,
  target: string,
  records: ParsedRecord[],
  audit: PageAudit,
): Promise<void> {
  const now = new Date().toISOString();
  const fixed = [
    now,
    audit.windowStart.toISOString(),
    audit.windowEnd.toISOString(),
    audit.pageNumber,
    audit.pageSize,
    copyField(audit.requestPayload),
    copyField(audit.runId),
  ].join('\t');
  let data = '';
  for (const r of newestPerId(records)) {
    data += `${copyField(audit.realmId)}\t${copyField(r.id)}\t${copyField(JSON.stringify(r.raw))}\t${copyField(r.syncToken)}\t${copyField(r.lastUpdated?.toISOString())}\t${fixed}\n`;
  }
  await copyFrom(client, target, data);
}
