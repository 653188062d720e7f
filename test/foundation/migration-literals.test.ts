/**
 * Migrations stand alone: each holds its statuses, tables and columns as literals and imports
 * nothing of the product, so adding an entity or a status never changes what an old migration does
 * on a new database. This checks what those literals built against the product's live lists: a
 * registry entity, a status or a sync value added without a migration fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { useTestDatabase } from '../helpers/db.js';
import { MIGRATIONS_DIR } from '../../src/infra/migrate.js';
import { ENTITIES } from '../../src/model/entities.js';
import { LIVE_RUN_STATUSES, RUN_STATUSES, WINDOW_STATUSES } from '../../src/model/statuses.js';
import { ACCOUNTING_METHODS } from '../../src/model/reports.js';
import { WINDOWS_PLANS } from '../../src/backfill/plan/enqueue.js';
import { SYNC_TRIGGERS } from '../../src/sync/sync-queue.js';
import type {
  DisconnectedRealmTable,
  RawRecordTable,
  SyncCycleEntityTable,
  SyncCycleStatus,
  SyncMarkTable,
} from '../../src/model/db-types.js';

/** True only when A and B are the same union: a literal list below that drifts from its type fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(ok: Same<A, B>) => ok;

/** The raw tables' columns, in order; the compiler holds them to RawRecordTable's. */
const RAW_COLUMNS = [
  'realm_id',
  'id',
  'payload',
  'sync_token',
  'source_last_updated_utc',
  'ingested_at_utc',
  'extract_window_start_utc',
  'extract_window_end_utc',
  'page_number',
  'page_size',
  'request_payload',
  'run_id',
  'deleted_at_utc',
] as const;
same<(typeof RAW_COLUMNS)[number], keyof RawRecordTable>(true);

const SYNC_CYCLE_STATUSES = ['running', 'succeeded', 'failed', 'skipped'] as const;
same<(typeof SYNC_CYCLE_STATUSES)[number], SyncCycleStatus>(true);
const MARK_BASES = ['backfill', 'raw', 'cdc', 'reread'] as const;
same<(typeof MARK_BASES)[number], SyncMarkTable['basis']>(true);
const SYNC_METHODS = ['cdc', 'reread', 'none'] as const;
same<(typeof SYNC_METHODS)[number], SyncCycleEntityTable['method']>(true);
const REVOCATIONS = ['revoked', 'already-invalid'] as const;
same<(typeof REVOCATIONS)[number], DisconnectedRealmTable['revocation']>(true);

/** Every `column IN (...)` CHECK of schema ops, and the live list it must allow, no more and no fewer. */
const CHECKED: Record<string, readonly string[]> = {
  'ops.runs.status': RUN_STATUSES,
  'ops.runs.windows_plan': WINDOWS_PLANS,
  'ops.windows.status': WINDOW_STATUSES,
  'ops.sync_cycles.trigger': SYNC_TRIGGERS,
  'ops.sync_cycles.status': SYNC_CYCLE_STATUSES,
  'ops.sync_marks.basis': MARK_BASES,
  'ops.sync_cycle_entities.method': SYNC_METHODS,
  'ops.disconnected_realms.revocation': REVOCATIONS,
  'ops.runs.accounting_method': ACCOUNTING_METHODS,
};

/** The ledger's relations: its rules (a view) and the ledger (a view of them, accounts resolved). */
const LEDGER = ['ledger_rules', 'general_ledger'];

/** The quoted values of a constraint or predicate as PostgreSQL prints it (`... ARRAY['a'::text, 'b'::text]`). */
const literals = (text: string) => [...text.matchAll(/'([^']*)'::text/g)].map((m) => m[1] as string).sort();
const sorted = (values: readonly string[]) => [...values].sort();

describe('migrations stand alone', () => {
  const tdb = useTestDatabase();

  it('import nothing of the product: only kysely, or what an earlier migration exports', () => {
    const files = readdirSync(MIGRATIONS_DIR).filter(
      (f) => /^\d{4}_.*\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'),
    );
    assert.ok(files.length >= 7, files.join());
    for (const file of files) {
      const text = readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8');
      for (const [, from] of text.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)) {
        const earlier = /^\.\/(\d{4})_[\w-]+\.js$/.exec(from as string);
        assert.ok(
          from === 'kysely' || (earlier !== null && (earlier[1] as string) < file.slice(0, 4)),
          `${file} imports ${from}`,
        );
      }
    }
  });

  it("create the registry's raw tables, each with the raw columns", async () => {
    const columns = await sql<{ table: string; columns: string }>`
      SELECT table_name AS table, string_agg(column_name, ',' ORDER BY ordinal_position) AS columns
      FROM information_schema.columns WHERE table_schema = 'raw' AND table_name NOT LIKE 'qb_report%'
      GROUP BY table_name`.execute(tdb().db);
    assert.deepEqual(columns.rows.map((r) => r.table).sort(), ENTITIES.map((e) => e.table).sort());
    for (const r of columns.rows) assert.equal(r.columns, RAW_COLUMNS.join(','), r.table);
  });

  it('allow exactly the statuses and values the product writes', async () => {
    const checks = await sql<{ table: string; def: string }>`
      SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE contype = 'c' AND connamespace = 'ops'::regnamespace AND pg_get_constraintdef(oid) LIKE '%ANY%'`.execute(
      tdb().db,
    );
    const found: Record<string, string[]> = {};
    for (const { table, def } of checks.rows) {
      const column = /\(\((\w+) = ANY/.exec(def)?.[1];
      assert.ok(column, def);
      found[`${table}.${column}`] = literals(def);
    }
    assert.deepEqual(Object.keys(found).sort(), Object.keys(CHECKED).sort());
    for (const [key, values] of Object.entries(CHECKED)) assert.deepEqual(found[key], sorted(values), key);

    const live = await sql<{ predicate: string }>`
      SELECT pg_get_expr(indpred, indrelid) AS predicate FROM pg_index
      WHERE indexrelid = 'ops.runs_live_dedupe_idx'::regclass`.execute(tdb().db);
    assert.deepEqual(literals(live.rows[0]?.predicate ?? ''), sorted(LIVE_RUN_STATUSES));
  });

  it("make a staging relation per registry entity, each keyed by realm and id, and the contract's ledger", async () => {
    const columns = await sql<{ table: string; columns: string }>`
      SELECT table_name AS table, string_agg(column_name, ',' ORDER BY ordinal_position) AS columns
      FROM information_schema.columns WHERE table_schema = 'staging' GROUP BY table_name`.execute(tdb().db);
    const byView = new Map(columns.rows.map((r) => [r.table, r.columns.split(',')]));
    for (const e of ENTITIES) {
      const cols = byView.get(e.name);
      assert.ok(cols, `staging.${e.name}`);
      assert.deepEqual(
        [cols[0], cols[1], cols.at(-1)],
        ['realm_id', 'id', 'source_last_updated_utc'],
        e.name,
      );
    }
    const lines = [...byView.keys()].filter((v) => v.endsWith('_lines'));
    assert.deepEqual(
      [...byView.keys()].filter((v) => !lines.includes(v) && !LEDGER.includes(v)).sort(),
      ENTITIES.map((e) => e.name).sort(),
    );
    for (const view of lines) {
      const singular = view.slice(0, -'_lines'.length);
      assert.ok(
        ENTITIES.some(
          (e) =>
            e.kind === 'transaction' && [`${singular}s`, `${singular.replace(/y$/, 'ie')}s`].includes(e.name),
        ),
        `${view} belongs to a transaction entity`,
      );
      assert.deepEqual(
        byView.get(view)?.slice(0, 4),
        ['realm_id', `${singular}_id`, 'line_id', 'line_num'],
        view,
      );
    }
    assert.deepEqual(byView.get('general_ledger'), [
      'realm_id',
      'txn_type',
      'txn_id',
      'txn_date',
      'line_id',
      'account_id',
      'debit',
      'credit',
      'customer_id',
      'vendor_id',
      'class_id',
      'department_id',
    ]);
  });
});
