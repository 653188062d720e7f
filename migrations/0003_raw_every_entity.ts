import { sql, type Kysely } from 'kysely';
import { ENTITIES } from '../src/model/entities.js';
import { createRawTable } from '../src/raw/raw-table-migration.js';

/** The tables that existed before this migration; `down` leaves them to 0002. */
const EARLIER = new Set(['qb_invoices', 'qb_customers', 'qb_items']);

/**
 * One `raw.qb_<entity>` table for every entity of the registry. `CREATE TABLE IF NOT EXISTS`
 * leaves the tables of 0002 untouched, so this runs on a database at any earlier version; an
 * entity added to the registry later needs a migration of its own that calls createRawTable.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const entity of ENTITIES) await createRawTable(db, entity.table);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const entity of ENTITIES) {
    if (!EARLIER.has(entity.table)) await sql`DROP TABLE IF EXISTS raw.${sql.raw(entity.table)}`.execute(db);
  }
}
