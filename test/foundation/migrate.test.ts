import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestDatabase, migrationNames, type TestDatabase } from '../helpers/db.js';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { MIGRATIONS_DIR, MigrationError, migrateToLatest } from '../../src/infra/migrate.js';
import { ENTITIES } from '../../src/model/entities.js';

const MIGRATIONS = migrationNames();

describe('qbo-backfill migrate', () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase({ migrate: false });
  });
  after(async () => {
    await tdb.drop();
  });

  it('three processes at once, then once more, leave one consistent schema', async () => {
    const env = { DATABASE_URL: tdb.url };
    // Real processes of the real binary: its exit code, and nothing shared but the database.
    const results = await Promise.all([1, 2, 3].map(() => runCliProcess(['migrate'], env)));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const applied = results.filter((r) => r.stdout.startsWith(`applied ${MIGRATIONS.length} migration(s)`));
    assert.equal(applied.length, 1, results.map((r) => r.stdout).join('|'));
    const again = await runCli(['migrate'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'schema is up to date');

    const migrations = await sql<{
      name: string;
    }>`SELECT name FROM ops.kysely_migration ORDER BY name`.execute(tdb.db);
    assert.deepEqual(
      migrations.rows.map((r) => r.name),
      MIGRATIONS,
    );
    assert.deepEqual(MIGRATIONS.slice(0, 4), [
      '0001_ops_schema',
      '0002_raw_invoices_customers_items',
      '0003_raw_every_entity',
      '0004_window_lease',
    ]);
    const tables = await sql<{ t: string }>`
      SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
      WHERE table_schema IN ('raw','ops') AND table_name NOT LIKE 'kysely%' ORDER BY 1`.execute(tdb.db);
    assert.deepEqual(
      tables.rows.map((r) => r.t),
      [
        'ops.disconnected_realms',
        'ops.runs',
        'ops.sync_cycle_entities',
        'ops.sync_cycles',
        'ops.sync_marks',
        'ops.sync_realms',
        'ops.tokens',
        'ops.window_days',
        'ops.window_reports',
        'ops.windows',
        ...[...ENTITIES.map((e) => `raw.${e.table}`), 'raw.qb_report_rows', 'raw.qb_reports'].sort(),
      ],
    );
    assert.ok(tables.rows.some((r) => r.t === 'raw.qb_journal_entries'));
    const pk = await sql<{ def: string }>`
      SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'qb_invoices_pkey'`.execute(
      tdb.db,
    );
    assert.equal(pk.rows[0]?.def, 'PRIMARY KEY (realm_id, id)');
    const compression = await sql<{ c: string }>`
      SELECT attcompression AS c FROM pg_attribute
      WHERE attrelid = 'raw.qb_invoices'::regclass AND attname = 'payload'`.execute(tdb.db);
    assert.equal(compression.rows[0]?.c, 'l');
  });

  it('exits 2 naming the variable when the configuration is bad', async () => {
    const bad = await runCli(['migrate'], { DATABASE_URL: 'nonsense' });
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr.trim(),
      'qbo-backfill migrate: DATABASE_URL: expected a URL starting with postgres: or postgresql:',
    );
    const key = await runCli(['migrate'], { TOKEN_ENCRYPTION_KEY: 'too-short' });
    assert.equal(key.code, 2);
    assert.equal(
      key.stderr.trim(),
      'qbo-backfill migrate: TOKEN_ENCRYPTION_KEY: expected at least 32 characters (e.g. openssl rand -hex 32)',
    );
  });

  it('prints help and exits 0', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: qbo-backfill <command>/);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
  });
});

/**
 * A copy of the migrations this test runs with (TypeScript sources, or the compiled tree's
 * JavaScript), beside them so that the copies resolve kysely and ../src like the originals do.
 */
function copyMigrations(): { dir: string; ext: string } {
  const dir = mkdtempSync(path.join(path.dirname(MIGRATIONS_DIR), '.migrations-test-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return { dir, ext: path.extname(readdirSync(MIGRATIONS_DIR)[0] as string) };
}

describe('a failing migration', () => {
  it('stops with the name of the migration that failed and applies nothing (one transaction)', async () => {
    const tdb = await createTestDatabase({ migrate: false });
    const { dir, ext } = copyMigrations();
    try {
      writeFileSync(
        path.join(dir, `0099_broken${ext}`),
        "import { sql } from 'kysely';\nexport async function up(db) {\n  await sql`ALTER TABLE raw.no_such_table ADD COLUMN x int`.execute(db);\n}\n",
      );
      await assert.rejects(
        migrateToLatest(tdb.url, dir),
        (err: unknown) =>
          err instanceof MigrationError &&
          err.migration === '0099_broken' &&
          err.message === 'migration 0099_broken failed: relation "raw.no_such_table" does not exist',
      );
      // PostgreSQL runs DDL in transactions: the pending migrations apply together or not at all.
      const applied = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ops.kysely_migration`.execute(
        tdb.db,
      );
      assert.equal(applied.rows[0]?.n, 0);
      const runs = await sql<{ t: string | null }>`SELECT to_regclass('ops.runs')::text AS t`.execute(tdb.db);
      assert.equal(runs.rows[0]?.t, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await tdb.drop();
    }
  });
});

describe('migrating a database already at 0002', () => {
  it('adds every entity table and keeps the rows already stored', async () => {
    const tdb = await createTestDatabase({ migrate: false });
    const { dir, ext } = copyMigrations();
    try {
      // The database as it was at 0002: every later migration is still to come.
      for (const name of MIGRATIONS.slice(2)) rmSync(path.join(dir, `${name}${ext}`));
      assert.deepEqual((await migrateToLatest(tdb.url, dir)).applied, [
        '0001_ops_schema',
        '0002_raw_invoices_customers_items',
      ]);
      await sql`
        INSERT INTO raw.qb_invoices (realm_id, id, payload, extract_window_start_utc, extract_window_end_utc,
                                     page_number, page_size, request_payload)
        VALUES ('1', '7', '{"Id":"7"}', now(), now(), 1, 1000, 'SELECT')`.execute(tdb.db);
      const [a, b] = await Promise.all([migrateToLatest(tdb.url), migrateToLatest(tdb.url)]);
      assert.deepEqual([...a.applied, ...b.applied], MIGRATIONS.slice(2));
      const kept = await sql<{ n: number }>`SELECT count(*)::int AS n FROM raw.qb_invoices`.execute(tdb.db);
      assert.equal(kept.rows[0]?.n, 1);
      const raw = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'raw'
          AND table_name NOT LIKE 'qb_report%'`.execute(tdb.db);
      assert.equal(raw.rows[0]?.n, ENTITIES.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await tdb.drop();
    }
  });
});
