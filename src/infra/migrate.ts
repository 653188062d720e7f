import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { createPool } from './db.js';

/** The top-level `migrations/` folder, in the sources and in `dist/` alike. */
export const MIGRATIONS_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'migrations',
);

// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_214_930_551;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(`migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

export interface MigrateResult {
  applied: string[];
}

/**
 * Applies every pending migration. Several processes may call it at once (compose replicas all
 * starting together): a session advisory lock serializes them, so the second one finds nothing
 * left to do instead of racing on `CREATE TABLE`.
 */
export async function migrateToLatest(
  databaseUrl: string,
  /** Folder of migration files. Default the top-level `migrations/`. */
  migrationFolder: string = MIGRATIONS_DIR,
): Promise<MigrateResult> {
  const pool = createPool(databaseUrl, { max: 2, applicationName: 'qbo-backfill-migrate' });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const lockClient = await pool.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await sql`CREATE SCHEMA IF NOT EXISTS ops`.execute(db);
    const migrator = new Migrator({
      db,
      provider: new FileMigrationProvider({ fs, path, migrationFolder }),
      migrationTableSchema: 'ops',
    });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error !== undefined) throw new MigrationError(failed?.migrationName ?? '(migrator)', error);
    return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    lockClient.release();
    await db.destroy();
  }
}
