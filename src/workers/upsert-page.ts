import { sql, type Transaction } from 'kysely';
import type { Database } from '../shared/db-types.js';
import type { EntityDefinition } from '../shared/entities.js';
import type { ParsedRecord } from './qbo-record.js';
import { storableJson, type Adjustment } from './storable-json.js';

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

/** Records stored with the smallest change that made them storable, by reason (see storableJson). */
export type Adjusted = Partial<Record<Adjustment, number>>;

/**
 * Upserts one page in one statement. A stored record is replaced only by a newer version:
 * (LastUpdatedTime, SyncToken) strictly greater. Re-reading the same version leaves it alone, so
 * a second run counts everything as unchanged, and an old page replayed late never wins.
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
  // ON CONFLICT cannot touch one row twice in a statement: keep the newest version of each Id.
  const newest = new Map<string, ParsedRecord>();
  for (const r of records) {
    if (r.id === undefined) continue;
    const seen = newest.get(r.id);
    if (!seen || isNewer(r, seen)) newest.set(r.id, r);
  }
  const rows = [...newest.values()];
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const payloads = rows.map((r) => {
    const storable = storableJson(r.raw);
    for (const a of storable.adjustments) adjusted[a] = (adjusted[a] ?? 0) + 1;
    return storable.json;
  });

  const table = `raw.${entity.table}` as 'raw.qb_invoices';
  const now = new Date();
  const result = await trx
    .insertInto(table)
    .values(
      rows.map((r, i) => ({
        realm_id: audit.realmId,
        id: r.id as string,
        // pg would send a JS array as a Postgres array: JSONB always goes as JSON text.
        payload: payloads[i] as string,
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
  const inserted = result.filter((r) => r.inserted).length;
  const updated = result.length - inserted;
  return { inserted, updated, unchanged: rows.length - result.length };
}

function isNewer(a: ParsedRecord, b: ParsedRecord): boolean {
  const at = a.lastUpdated?.getTime() ?? -Infinity;
  const bt = b.lastUpdated?.getTime() ?? -Infinity;
  return at !== bt ? at > bt : (a.syncToken ?? -1) > (b.syncToken ?? -1);
}
