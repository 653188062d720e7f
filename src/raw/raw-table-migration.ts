import { sql, type Kysely } from 'kysely';

/**
 * Creates one `raw.qb_<entity>` table with the contract's columns. Migrations call it so that a new
 * entity is one registry entry plus one migration of two lines; it must never change behaviour
 * for tables it already created (migrations that ran stay valid). `deleted_at_utc` came with
 * migration 0007, which added it to the tables created before.
 */
export async function createRawTable(db: Kysely<unknown>, table: string): Promise<void> {
  if (!/^qb_[a-z_]+$/.test(table)) throw new Error(`bad raw table name ${table}`);
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
      deleted_at_utc timestamptz,
      PRIMARY KEY (realm_id, id)
    )`.execute(db);
  // Reconciliation and reports count records per realm and UTC day of LastUpdatedTime.
  await sql`
    CREATE INDEX IF NOT EXISTS ${sql.raw(`${table}_realm_updated_idx`)}
      ON raw.${sql.raw(table)} (realm_id, source_last_updated_utc)`.execute(db);
}
