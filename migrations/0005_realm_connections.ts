import { sql, type Kysely } from 'kysely';

/**
 * What a connection is, beside its tokens: when the company was connected, its name as
 * CompanyInfo gave it, and the 5-year hard expiry Intuit reports since November 2025. And the
 * realms an operator disconnected (`auth disconnect`): remembered apart from the token store, so
 * that a deleted token cannot come back by itself (`QBO_REFRESH_TOKEN` bootstraps any realm that
 * has no row) and every later run for such a realm is refused, until it is connected again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE ops.tokens
      ADD COLUMN connected_at timestamptz,
      ADD COLUMN refresh_token_hard_expires_at timestamptz,
      ADD COLUMN company_name text`.execute(db);
  // Rows stored before this migration were connected when their token was stored, as far as we know.
  await sql`UPDATE ops.tokens SET connected_at = refresh_token_obtained_at`.execute(db);
  await sql`
    ALTER TABLE ops.tokens
      ALTER COLUMN connected_at SET NOT NULL,
      ALTER COLUMN connected_at SET DEFAULT now()`.execute(db);

  await sql`
    CREATE TABLE ops.disconnected_realms (
      realm_id text PRIMARY KEY,
      company_name text,
      connected_at timestamptz NOT NULL,
      disconnected_at timestamptz NOT NULL,
      revocation text NOT NULL CHECK (revocation IN ('revoked', 'already-invalid'))
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ops.disconnected_realms`.execute(db);
  await sql`
    ALTER TABLE ops.tokens
      DROP COLUMN IF EXISTS connected_at,
      DROP COLUMN IF EXISTS refresh_token_hard_expires_at,
      DROP COLUMN IF EXISTS company_name`.execute(db);
}
