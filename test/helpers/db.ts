import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before } from 'node:test';
import pg from 'pg';
import { createDb, type Db } from '../../src/infra/db.js';
import { MIGRATIONS_DIR, migrateToLatest } from '../../src/infra/migrate.js';

/** A run's row and its windows' rows (by day), as a transition or a command leaves them. */
export async function runRows(db: Db, runId: string) {
  return {
    run: await db.selectFrom('ops.runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow(),
    windows: await db
      .selectFrom('ops.windows')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('day')
      .execute(),
  };
}

/**
 * What a run row seeded directly plans: one realm's entities over a range, pages of 1000, a
 * window per entity and day. Add its id, key, status and times.
 */
export function seededRun(realmId: string, entities: string[], from: string, to: string) {
  return {
    realm_id: realmId,
    entities,
    range_start_utc: from,
    range_end_utc: to,
    page_size: 1000,
    windows_plan: 'day' as const,
  };
}

/** A window row seeded directly: one entity's UTC day of a run. Add its status and figures. */
export function seededWindow(runId: string, entity: string, day: string) {
  return {
    run_id: runId,
    entity,
    day,
    window_start_utc: `${day}T00:00:00Z`,
    window_end_utc: `${day}T00:00:00Z`,
  };
}

/** The server tests create their databases on; `TEST_DATABASE_URL` overrides it. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  /** Drops the database; safe to call twice. */
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database of its own for one test file, migrated unless `migrate: false`. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `qbo_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  if (options.migrate !== false) await migrateToLatest(url);
  const db = createDb(url, { max: 5 });
  let dropped = false;
  return {
    name,
    url,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.destroy();
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A fresh test database for the enclosing `describe`: made (migrated) before its tests and dropped
 * after them. Returns how the tests reach it.
 */
export function useTestDatabase(options: { migrate?: boolean } = {}): () => TestDatabase {
  let tdb: TestDatabase | undefined;
  before(async () => {
    tdb = await createTestDatabase(options);
  });
  after(async () => {
    await tdb?.drop();
  });
  return () => {
    if (!tdb) throw new Error('the test database is made before the tests run');
    return tdb;
  };
}

/** Every migration of the project, by name, in the order they apply (TypeScript or compiled). */
export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.*\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(ts|js)$/, ''))
    .sort();
}
