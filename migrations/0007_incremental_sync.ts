import { sql, type Kysely } from 'kysely';
import { TABLES as RAW_TABLES } from './0003_raw_every_entity.js';

/**
 * Incremental sync after a backfill (`qbo-backfill sync`):
 * - `deleted_at_utc` on every raw table (those 0003 made): null while the record exists at the source, set when
 *   CDC reports it deleted or a whole re-read finds it missing, cleared when it comes back. Rows
 *   are never physically deleted, and the last payload is kept.
 * - `ops.sync_marks`: per realm and entity, the instant up to which the source's changes are in
 *   raw (the high-water mark), advanced only in the transaction that writes the rows it covers,
 *   and when the entity was last re-read whole.
 * - `ops.sync_realms`: the one cycle a realm may run at a time (a lease every write of the cycle
 *   names, like a window's), and the realm's schedule as `sync --every` set it.
 * - `ops.sync_cycles` and `ops.sync_cycle_entities`: every cycle and what it did per entity, the
 *   counters written in the same transactions as the rows they count.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of RAW_TABLES) {
    await sql`ALTER TABLE raw.${sql.raw(table)} ADD COLUMN IF NOT EXISTS deleted_at_utc timestamptz`.execute(
      db,
    );
  }
  await sql`
    CREATE TABLE ops.sync_marks (
      realm_id text NOT NULL,
      entity text NOT NULL,
      mark_utc timestamptz NOT NULL,
      basis text NOT NULL CHECK (basis IN ('backfill', 'raw', 'cdc', 'reread')),
      reread_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (realm_id, entity)
    )`.execute(db);
  await sql`
    CREATE TABLE ops.sync_realms (
      realm_id text PRIMARY KEY,
      lease bigint NOT NULL DEFAULT 0,
      cycle_id text,
      heartbeat_at timestamptz,
      every_ms bigint,
      entities text[],
      reread_every_ms bigint,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE ops.sync_cycles (
      cycle_id text PRIMARY KEY,
      realm_id text NOT NULL,
      trigger text NOT NULL CHECK (trigger IN ('once', 'schedule', 'webhook')),
      status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
      requests int NOT NULL DEFAULT 0,
      error text,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX sync_cycles_realm_started_idx ON ops.sync_cycles (realm_id, started_at DESC)`.execute(
    db,
  );
  await sql`
    CREATE TABLE ops.sync_cycle_entities (
      cycle_id text NOT NULL REFERENCES ops.sync_cycles(cycle_id) ON DELETE CASCADE,
      entity text NOT NULL,
      method text NOT NULL CHECK (method IN ('cdc', 'reread', 'none')),
      upserted int NOT NULL DEFAULT 0,
      deleted int NOT NULL DEFAULT 0,
      requests int NOT NULL DEFAULT 0,
      PRIMARY KEY (cycle_id, entity)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ops.sync_cycle_entities`.execute(db);
  await sql`DROP TABLE IF EXISTS ops.sync_cycles`.execute(db);
  await sql`DROP TABLE IF EXISTS ops.sync_realms`.execute(db);
  await sql`DROP TABLE IF EXISTS ops.sync_marks`.execute(db);
  for (const table of RAW_TABLES) {
    await sql`ALTER TABLE raw.${sql.raw(table)} DROP COLUMN IF EXISTS deleted_at_utc`.execute(db);
  }
}
