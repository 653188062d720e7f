import { sql, type Kysely } from 'kysely';

/**
 * QBO reports (`enqueue --reports`, `sync --reports`):
 * - `raw.qb_reports`: one row per report answer kept, keyed by realm, report, accounting method and
 *   the company calendar dates the request named; a new read of the same period replaces it (past
 *   periods change). A cut answer is never stored: its parts are, each under its own period.
 * - `raw.qb_report_rows`: those answers flattened, one row per data or summary row, replaced with
 *   their report in one transaction.
 * - `ops.runs.reports` and `ops.runs.accounting_method`: what a run extracts besides entities. A
 *   report's month is a window of the run (entity: the report's name, day: the month's first day),
 *   so it goes through the same queue, budget, retries and leases as an entity's window.
 * - `ops.window_reports`: the parts each report window stored (a month cut into weeks or days is
 *   several), with their rows and checks as that run stored them, for `report --run`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE raw.qb_reports (
      realm_id text NOT NULL,
      report_name text NOT NULL,
      accounting_method text NOT NULL CHECK (accounting_method IN ('Accrual', 'Cash')),
      period_start date NOT NULL,
      period_end date NOT NULL,
      payload jsonb NOT NULL,
      request_payload text NOT NULL,
      fetched_at_utc timestamptz NOT NULL,
      checks jsonb NOT NULL,
      PRIMARY KEY (realm_id, report_name, accounting_method, period_start, period_end)
    )`.execute(db);
  await sql`
    CREATE TABLE raw.qb_report_rows (
      realm_id text NOT NULL,
      report_name text NOT NULL,
      accounting_method text NOT NULL,
      period_start date NOT NULL,
      period_end date NOT NULL,
      row_number int NOT NULL,
      path text[] NOT NULL,
      section_group text,
      row_type text NOT NULL CHECK (row_type IN ('data', 'summary')),
      account_id text,
      label text,
      amount numeric,
      cells jsonb NOT NULL,
      PRIMARY KEY (realm_id, report_name, accounting_method, period_start, period_end, row_number),
      FOREIGN KEY (realm_id, report_name, accounting_method, period_start, period_end)
        REFERENCES raw.qb_reports ON DELETE CASCADE
    )`.execute(db);
  await sql`ALTER TABLE ops.runs ADD COLUMN reports text[] NOT NULL DEFAULT '{}'`.execute(db);
  await sql`ALTER TABLE ops.runs ADD COLUMN accounting_method text
    CHECK (accounting_method IN ('Accrual', 'Cash'))`.execute(db);
  await sql`
    CREATE TABLE ops.window_reports (
      run_id text NOT NULL,
      entity text NOT NULL,
      day date NOT NULL,
      realm_id text NOT NULL,
      report_name text NOT NULL,
      accounting_method text NOT NULL,
      period_start date NOT NULL,
      period_end date NOT NULL,
      rows int NOT NULL,
      checks jsonb NOT NULL,
      requests int NOT NULL DEFAULT 0,
      stored_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, entity, day, period_start, period_end),
      FOREIGN KEY (run_id, entity, day) REFERENCES ops.windows ON DELETE CASCADE
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ops.window_reports, raw.qb_report_rows, raw.qb_reports`.execute(db);
  await sql`ALTER TABLE ops.runs DROP COLUMN IF EXISTS accounting_method`.execute(db);
  await sql`ALTER TABLE ops.runs DROP COLUMN IF EXISTS reports`.execute(db);
}
