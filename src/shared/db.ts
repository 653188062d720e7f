import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './db-types.js';

// int8 (bigint) and numeric come back as strings by default; our counters fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// A `date` is a calendar day, not an instant: keep `2026-01-01` as text instead of a local-midnight Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Db = Kysely<Database>;

export interface DbOptions {
  /** Pool size. Default 10. */
  max?: number;
  applicationName?: string;
}

export function createPool(url: string, options: DbOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'qbo-backfill',
    connectionTimeoutMillis: 10_000,
  });
  // An idle client whose connection dies (server restart, pg_terminate_backend) makes the pool emit
  // 'error'; unheard, that would crash the process. The pool has already dropped the client, and the
  // next query opens a new connection or fails with its own error where it can be handled.
  pool.on('error', () => undefined);
  return pool;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(url, options) }) });
}
