import { sql, type Kysely } from 'kysely';
import { createRawTable } from '../src/raw/raw-table-migration.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await createRawTable(db, 'qb_invoices');
  await createRawTable(db, 'qb_customers');
  await createRawTable(db, 'qb_items');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS raw.qb_invoices, raw.qb_customers, raw.qb_items`.execute(db);
}
