import { sql, type Kysely } from 'kysely';

/**
 * Reads that follow the data's density (`enqueue --windows adaptive`, the default):
 * - `ops.runs.windows_plan`: `day` (one window per entity and UTC day, as before) or `adaptive`
 *   (one window per entity over the run's range, split into day-aligned parts by the worker when
 *   its COUNT says it is dense);
 * - `ops.windows.requests`: the QBO requests the window's committed work took (pages and COUNTs);
 * - `ops.window_days`: what each page added per UTC day of its records' LastUpdatedTime, so a
 *   window over many days still reports every entity-day, written in the page's own statement.
 *   Its rows grow with the days that hold data, not with the plan.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE ops.runs ADD COLUMN windows_plan text NOT NULL DEFAULT 'day'
    CHECK (windows_plan IN ('day', 'adaptive'))`.execute(db);
  await sql`ALTER TABLE ops.windows ADD COLUMN requests int NOT NULL DEFAULT 0`.execute(db);
  await sql`
    CREATE TABLE ops.window_days (
      run_id text NOT NULL REFERENCES ops.runs(run_id) ON DELETE CASCADE,
      entity text NOT NULL,
      day date NOT NULL,
      pages int NOT NULL DEFAULT 0,
      rows_fetched int NOT NULL DEFAULT 0,
      inserted int NOT NULL DEFAULT 0,
      updated int NOT NULL DEFAULT 0,
      unchanged int NOT NULL DEFAULT 0,
      PRIMARY KEY (run_id, entity, day)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ops.window_days`.execute(db);
  await sql`ALTER TABLE ops.windows DROP COLUMN IF EXISTS requests`.execute(db);
  await sql`ALTER TABLE ops.runs DROP COLUMN IF EXISTS windows_plan`.execute(db);
}
