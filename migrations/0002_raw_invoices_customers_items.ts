import { sql, type Kysely } from 'kysely';

/**
 * The first raw tables, with the contract's columns. Like every migration, this one holds its
 * tables and columns as literals and imports nothing of the product, so what it does on a new
 * database never changes; a later migration may reuse what an earlier one exports, which is as
 * fixed as the migration itself. (`deleted_at_utc` came later, with 0007.)
 */
const TABLES = ['qb_invoices', 'qb_customers', 'qb_items'] as const;

/** Creates one `raw.qb_<entity>` table as this migration defined it, and its per-day index. */
export async function createRawTable(db: Kysely<unknown>, table: string): Promise<void> {
  await sql`
    CREATE TABLE IF NOT EXISTS raw.${sql.raw(table)} (
      realm_id text NOT NULL,
      id text NOT NULL,
      payload jsonb COMPRESSION lz4 NOT NULL,
      sync_token bigint,
      source_last_updated_utc timestamptz,
      ingested_at_utc timestamptz NOT NULL DEFAULT now(),
      extract_window_start_utc timestamptz NOT NULL,
      extract_window_end_utc timestamptz NOT NULL,
      page_number int NOT NULL,
      page_size int NOT NULL,
      request_payload text NOT NULL,
      run_id text,
      PRIMARY KEY (realm_id, id)
    )`.execute(db);
  // Reconciliation and reports count records per realm and UTC day of LastUpdatedTime.
  await sql`
    CREATE INDEX IF NOT EXISTS ${sql.raw(`${table}_realm_updated_idx`)}
      ON raw.${sql.raw(table)} (realm_id, source_last_updated_utc)`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await createRawTable(db, table);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS raw.qb_invoices, raw.qb_customers, raw.qb_items`.execute(db);
}
