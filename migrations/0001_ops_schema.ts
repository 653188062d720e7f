import { sql, type Kysely } from 'kysely';

// The statuses are literals, as they were when this migration was written: its SQL must stay what
// migrated databases ran (a test pins it; another checks the constraints against
// src/model/statuses.ts, so a new status cannot come without a migration that widens them).

/** Run and window bookkeeping, and the encrypted per-realm token store. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ops`.execute(db);
  await sql`CREATE SCHEMA IF NOT EXISTS raw`.execute(db);

  await sql`
    CREATE TABLE ops.runs (
      run_id text PRIMARY KEY,
      realm_id text NOT NULL,
      entities text[] NOT NULL,
      range_start_utc timestamptz NOT NULL,
      range_end_utc timestamptz NOT NULL,
      page_size int NOT NULL CHECK (page_size BETWEEN 1 AND 1000),
      start_at_utc timestamptz NOT NULL,
      dedupe_key text NOT NULL,
      status text NOT NULL CHECK (status IN ('scheduled','running','succeeded','failed','halted','cancelled')),
      status_reason text,
      consecutive_failures int NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);
  // At most one live run per backfill: enqueue relies on this index to be idempotent under races.
  await sql`
    CREATE UNIQUE INDEX runs_live_dedupe_idx ON ops.runs (dedupe_key)
      WHERE status IN ('scheduled','running')`.execute(db);
  await sql`CREATE INDEX runs_created_idx ON ops.runs (created_at DESC)`.execute(db);

  await sql`
    CREATE TABLE ops.windows (
      run_id text NOT NULL REFERENCES ops.runs(run_id) ON DELETE CASCADE,
      entity text NOT NULL,
      day date NOT NULL,
      window_start_utc timestamptz NOT NULL,
      window_end_utc timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('pending','running','succeeded','failed','skipped','cancelled')),
      pages int NOT NULL DEFAULT 0,
      rows_fetched int NOT NULL DEFAULT 0,
      inserted int NOT NULL DEFAULT 0,
      updated int NOT NULL DEFAULT 0,
      unchanged int NOT NULL DEFAULT 0,
      skipped int NOT NULL DEFAULT 0,
      temporal_anomalies int NOT NULL DEFAULT 0,
      source_count int,
      committed_pages int NOT NULL DEFAULT 0,
      reread_passes int NOT NULL DEFAULT 0,
      attempts int NOT NULL DEFAULT 0,
      duration_ms bigint NOT NULL DEFAULT 0,
      error text,
      generation int NOT NULL DEFAULT 0,
      job_id text,
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, entity, day)
    )`.execute(db);
  await sql`CREATE INDEX windows_run_status_idx ON ops.windows (run_id, status)`.execute(db);

  await sql`
    CREATE TABLE ops.tokens (
      realm_id text PRIMARY KEY,
      refresh_token_enc text NOT NULL,
      refresh_token_obtained_at timestamptz NOT NULL,
      refresh_token_expires_at timestamptz,
      access_token_enc text,
      access_token_expires_at timestamptz,
      refreshed_at timestamptz,
      refresh_count int NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ops.tokens, ops.windows, ops.runs`.execute(db);
}
