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
  /**
   * Client-side bound of one query, in ms: a server that stopped answering (network cut, frozen
   * host) otherwise leaves a query waiting forever on a connection that still looks open. Longer
   * than the token lock's wait (see AccessTokenProvider). Default 180000.
   */
  queryTimeoutMs?: number;
}

export function createPool(url: string, options: DbOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'qbo-backfill',
    connectionTimeoutMillis: 10_000,
    query_timeout: options.queryTimeoutMs ?? 180_000,
    // TCP keep-alive finds connections to a server that vanished without closing them.
    keepAlive: true,
  });
  // An idle client whose connection dies (server restart, pg_terminate_backend, a dropped
  // database) makes the pool emit 'error'; without a listener that crashes the process. The pool
  // has already discarded the client, and the next query opens a new connection or fails itself.
  pool.on('error', () => undefined);
  // A client checked out of the pool (a transaction waiting on the token endpoint, between two
  // statements) has no pool listener: its connection dying would emit an unhandled 'error' too.
  // The client turns unqueryable, its next query fails with a connection error (a store outage
  // the caller handles), and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(url, options) }) });
}
