import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { databasePooled, type Config } from '../config/config.js';
import type { Database } from '../model/db-types.js';

/**
 * How the product's pools read two of PostgreSQL's types. Given to each pool (pg's `types`
 * option), not set on pg's global parsers: importing this module changes nothing, and a pool
 * made elsewhere in the process keeps pg's defaults.
 */
/** PostgreSQL's type ids of int8 and date (pg.types.builtins, whose enum pg's parser lookup does not name). */
const INT8: number = pg.types.builtins.INT8;
const DATE: number = pg.types.builtins.DATE;
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    // int8 (bigint) comes back as a string by default; our counters fit a JS number.
    if (oid === INT8) return (v: string) => Number(v);
    // A `date` is a calendar day, not an instant: `2026-01-01` stays text, not a local-midnight Date.
    if (oid === DATE) return (v: string) => v;
    return pg.types.getTypeParser(oid, format) as unknown;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export type Db = Kysely<Database>;

/** Defaults of a pool, declared once. */
export const DB_DEFAULTS = Object.freeze({
  /** Connections in the pool. @defaultValue 10 */
  max: 10,
  /** What PostgreSQL's pg_stat_activity shows for the pool's connections. @defaultValue `qbo-backfill` */
  applicationName: 'qbo-backfill',
  /**
   * Client-side bound of one query, in ms: a server that stopped answering (network cut, frozen
   * host) otherwise leaves a query waiting forever on a connection that still looks open. Longer
   * than the token lock's wait (see AccessTokenProvider). @defaultValue 180000
   */
  queryTimeoutMs: 180_000,
  /** How long opening a connection may take. @defaultValue 10000 */
  connectionTimeoutMs: 10_000,
});

/** A pool's settings; see {@link DB_DEFAULTS}. */
export interface DbOptions {
  max?: number;
  applicationName?: string;
  queryTimeoutMs?: number;
  /**
   * Run the statements marked {@link PREPARED} by name. Default true; false through a pooler in
   * transaction mode before PgBouncer 1.21, where a name prepared on one server connection is
   * missing on the next or already taken by another client.
   */
  namedStatements?: boolean;
}

export function createPool(url: string, options: DbOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    types: TYPES,
    max: options.max ?? DB_DEFAULTS.max,
    application_name: options.applicationName ?? DB_DEFAULTS.applicationName,
    connectionTimeoutMillis: DB_DEFAULTS.connectionTimeoutMs,
    query_timeout: options.queryTimeoutMs ?? DB_DEFAULTS.queryTimeoutMs,
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
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    if (options.namedStatements !== false) prepareMarked(client);
  });
  return pool;
}

/**
 * Marks a statement (its text must start with this) to run as a named prepared statement: parsed
 * once per connection, and planned once its generic plan is found as cheap as a custom one.
 * For the page upsert, whose text is the same for every page of an entity: an unnamed statement
 * is parsed and planned for every page, and its custom plan embeds each parameter as a constant,
 * which the planner copies (two copies of the 1.3 MB body per page, a tenth of a backend's
 * time in memmove and page faults); and for the other statements every window job runs (its
 * load, start and the run's end), which are parsed and planned once instead of once a job. Only
 * for statements of a few fixed texts: each distinct text stays prepared on every connection
 * until it closes. Through a pooler in transaction mode (`DATABASE_DIRECT_URL` set apart from
 * `DATABASE_URL`) they run unnamed: see {@link openDb}.
 */
export const PREPARED = '/* prepared */ ';

/** Distinct texts marked PREPARED, by name (the same in every connection of this process). */
const preparedNames = new Map<string, string>();

/** Runs the client's queries whose text starts with PREPARED (as Kysely sends them) by name. */
function prepareMarked(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (args.length !== 2 || typeof text !== 'string' || !text.startsWith(PREPARED) || !Array.isArray(values))
      return query(...args);
    let name = preparedNames.get(text);
    if (name === undefined) {
      name = `qbo_${preparedNames.size + 1}`;
      preparedNames.set(text, name);
    }
    return query({ name, text, values });
  };
}

export function createDb(url: string, options: DbOptions = {}): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPool(url, options) }) });
}

/**
 * The product's pool on `DATABASE_URL`. When the configuration names a separate direct connection,
 * `DATABASE_URL` may be PgBouncer in transaction mode, whose server connections pass from client to
 * client between transactions: the marked statements then go unnamed (parsed and planned each
 * time: docs/deploy.md measures what that costs).
 */
export function openDb(
  config: Pick<Config, 'databaseUrl' | 'databaseDirectUrl'>,
  options: Omit<DbOptions, 'namedStatements'> = {},
): Db {
  return createDb(config.databaseUrl, { ...options, namedStatements: !databasePooled(config) });
}
