/**
 * What sync writes to raw: changed records (the backfill's page upsert, newer-only), deletions
 * reported by CDC, and records a whole re-read found missing. Nothing is ever physically deleted:
 * a deletion sets `deleted_at_utc` and keeps the last payload; a newer version clears it.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../model/db-types.js';
import type { EntityDefinition } from '../model/entities.js';
import { textArray, timestamptzArray } from '../raw/pg-binary-array.js';
import type { ParsedRecord } from '../qbo/qbo-record.js';
import { pageUpsert, type PageAudit } from '../raw/upsert-page.js';
import { storableJson } from '../infra/storable-json.js';

/** Upserts changed records; returns how many were inserted or replaced by a newer version. */
export async function upsertChanges(
  trx: Transaction<Database>,
  entity: EntityDefinition,
  records: ParsedRecord[],
  audit: PageAudit,
): Promise<number> {
  const upsert = pageUpsert(entity, records, audit);
  if (!upsert) return 0;
  const result = await upsert.statement().execute(trx);
  return result.rows.length;
}

/**
 * Records CDC's deletion stubs: a stored record gets `deleted_at_utc` (the stub's
 * LastUpdatedTime, the deletion's time) unless it is already marked or holds a version newer than
 * the deletion; a record never stored is stored as its stub, marked, so the warehouse knows it
 * existed. Returns how many records were newly marked.
 */
export async function recordDeletions(
  trx: Transaction<Database>,
  entity: EntityDefinition,
  stubs: ParsedRecord[],
  audit: PageAudit,
): Promise<number> {
  const rows = stubs.filter((s) => s.id !== undefined && s.lastUpdated !== null);
  if (rows.length === 0) return 0;
  const result = await sql`
    INSERT INTO raw.${sql.raw(entity.table)} AS t (realm_id, id, payload, source_last_updated_utc,
      extract_window_start_utc, extract_window_end_utc, page_number, page_size, request_payload, run_id,
      deleted_at_utc)
    SELECT ${audit.realmId}::text, r.i, r.p::jsonb, r.u, ${audit.windowStart}::timestamptz,
      ${audit.windowEnd}::timestamptz, ${audit.pageNumber}::int, ${audit.pageSize}::int,
      ${audit.requestPayload}::text, ${audit.runId}::text, r.u
    FROM unnest(${textArray(rows.map((r) => r.id as string))}::text[],
      ${textArray(rows.map((r) => storableJson(r.raw).json))}::text[],
      ${timestamptzArray(rows.map((r) => r.lastUpdated))}::timestamptz[]) AS r(i, p, u)
    ON CONFLICT (realm_id, id) DO UPDATE SET deleted_at_utc = excluded.deleted_at_utc
    WHERE t.deleted_at_utc IS NULL
      AND coalesce(t.source_last_updated_utc, '-infinity') <= excluded.deleted_at_utc
    RETURNING 1`.execute(trx);
  return result.rows.length;
}

/**
 * After a whole re-read proven complete: every stored record of the realm the read did not see,
 * and that existed before the read began, is gone at the source. Marked at `at` (QBO's clock when
 * the read began). Returns how many were newly marked.
 */
export async function recordMissing(
  trx: Transaction<Database>,
  entity: EntityDefinition,
  realmId: string,
  seen: readonly string[],
  at: Date,
  readStartedAt: Date,
): Promise<number> {
  const result = await sql`
    UPDATE raw.${sql.raw(entity.table)} SET deleted_at_utc = ${at}::timestamptz
    WHERE realm_id = ${realmId} AND deleted_at_utc IS NULL AND ingested_at_utc < ${readStartedAt}::timestamptz
      AND NOT (id = ANY(${textArray([...seen])}::text[]))
    RETURNING 1`.execute(trx);
  return result.rows.length;
}
