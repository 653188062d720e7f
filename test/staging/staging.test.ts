import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { sql } from 'kysely';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { ENTITIES } from '../../src/model/entities.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv, waitForRunEnd } from '../helpers/backfill.js';
import { emulatorChange, syncOnce } from '../helpers/sync.js';
// The emulator's own posting rules, read over the same payloads: the ledger must be them, row for row.
import { postingsOf, type LedgerLookup } from '../../packages/qbo-emulator/src/ledger/postings.js';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const FROM = '2024-01-01';
// Through today: the company's whole history, as the trial balance's cumulative accounts need it.
const TO = new Date().toISOString().slice(0, 10);

/** The staging relations of one entity: its view, and its line view when its payload has `Line`. */
const LINE_VIEWS: Record<string, string> = {
  bills: 'bill_lines',
  bill_payments: 'bill_payment_lines',
  credit_memos: 'credit_memo_lines',
  deposits: 'deposit_lines',
  estimates: 'estimate_lines',
  invoices: 'invoice_lines',
  journal_entries: 'journal_entry_lines',
  payments: 'payment_lines',
  purchases: 'purchase_lines',
  purchase_orders: 'purchase_order_lines',
  refund_receipts: 'refund_receipt_lines',
  sales_receipts: 'sales_receipt_lines',
  vendor_credits: 'vendor_credit_lines',
};

const count = async (db: TestDatabase['db'], query: ReturnType<typeof sql<{ n: number }>>) =>
  (await query.execute(db)).rows[0]?.n ?? -1;

/**
 * A sandbox company backfilled whole through the product, then read through schema staging: every
 * relation holds raw's live records, the ledger balances per transaction and agrees with the
 * emulator's TrialBalance (`reconcile`), and a deletion synced from the source leaves them all.
 */
describe('staging over a backfilled company', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let env: Record<string, string>;
  let realmId: string;
  let worker: RunningWorker;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('staging');
    emulator = await startEmulator({
      port: 0,
      seed: 2727,
      config: { requestsPerMinute: 1_000_000, maxConcurrent: 100 },
    });
    realmId = emulator.realmIds[0] as string;
    env = {
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
      QBO_REQUESTS_PER_MINUTE: '100000',
      QBO_MAX_CONCURRENT: '30',
      LOG_LEVEL: 'silent',
    };
    worker = startWorker({ config: parseConfig(env), logger: silent, concurrency: 8 });
    const enqueued = await runCli(
      ['enqueue', '--entities', 'all', '--from', FROM, '--to', TO, '--json'],
      env,
    );
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const { runId } = JSON.parse(enqueued.stdout) as { runId: string };
    assert.equal(await waitForRunEnd(tdb.db, runId, 240_000), 'succeeded');
  });
  after(async () => {
    await worker.close();
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it("holds raw's live records in every relation, and one line row per element of Line", async () => {
    const db = tdb.db;
    for (const e of ENTITIES) {
      const live = await count(
        db,
        sql`SELECT count(*)::int AS n FROM raw.${sql.raw(e.table)} WHERE deleted_at_utc IS NULL`,
      );
      assert.ok(live > 0, `${e.name}: the company has some`);
      const staged = await count(db, sql`SELECT count(*)::int AS n FROM staging.${sql.raw(e.name)}`);
      assert.equal(staged, live, e.name);
      const lines = LINE_VIEWS[e.name];
      if (lines === undefined) continue;
      const elements = await count(
        db,
        sql`SELECT coalesce(sum(jsonb_array_length(payload -> 'Line')), 0)::int AS n
          FROM raw.${sql.raw(e.table)} WHERE deleted_at_utc IS NULL`,
      );
      assert.ok(elements > 0, `${e.name}: lines`);
      assert.equal(
        await count(db, sql`SELECT count(*)::int AS n FROM staging.${sql.raw(lines)}`),
        elements,
        lines,
      );
    }
    // Every payload with a Line array has a line relation, and no other.
    const withLines = [];
    for (const e of ENTITIES) {
      const n = await count(
        db,
        sql`SELECT count(*)::int AS n FROM raw.${sql.raw(e.table)} WHERE jsonb_typeof(payload -> 'Line') = 'array'`,
      );
      if (n > 0) withLines.push(e.name);
    }
    assert.deepEqual(withLines.sort(), Object.keys(LINE_VIEWS).sort());
  });

  it('posts every transaction balanced, to accounts of the chart', async () => {
    const unbalanced = await sql<{ txn_type: string; txn_id: string }>`
      SELECT txn_type, txn_id FROM staging.general_ledger GROUP BY realm_id, txn_type, txn_id
      HAVING sum(debit) <> sum(credit)`.execute(tdb.db);
    assert.deepEqual(unbalanced.rows, []);
    const byType = await sql<{ txn_type: string; n: number }>`
      SELECT txn_type, count(DISTINCT txn_id)::int AS n FROM staging.general_ledger GROUP BY 1 ORDER BY 1`.execute(
      tdb.db,
    );
    assert.deepEqual(
      byType.rows.map((r) => r.txn_type),
      [
        'Bill',
        'BillPayment',
        'CreditCardPayment',
        'CreditMemo',
        'Deposit',
        'Invoice',
        'JournalEntry',
        'Payment',
        'Purchase',
        'RefundReceipt',
        'SalesReceipt',
        'Transfer',
        'VendorCredit',
      ],
    );
    const orphans = await count(
      tdb.db,
      sql`SELECT count(*)::int AS n FROM staging.general_ledger g
        WHERE NOT EXISTS (SELECT 1 FROM staging.accounts a WHERE a.realm_id = g.realm_id AND a.id = g.account_id)`,
    );
    assert.equal(orphans, 0, 'every posting names an account of the chart');
  });

  it("posts exactly what the emulator's rules post, row for row, from raw's payloads", async () => {
    const db = tdb.db;
    const accounts = (
      await sql<{ id: string; type: string; sub: string }>`
        SELECT id, payload ->> 'AccountType' AS type, payload ->> 'AccountSubType' AS sub
        FROM raw.qb_accounts WHERE realm_id = ${realmId} AND deleted_at_utc IS NULL`.execute(db)
    ).rows.sort((a, b) => Number(a.id) - Number(b.id));
    const items = new Map(
      (
        await sql<{ id: string; payload: Record<string, unknown> }>`
          SELECT id, payload FROM raw.qb_items WHERE realm_id = ${realmId} AND deleted_at_utc IS NULL`.execute(
          db,
        )
      ).rows.map((r) => [r.id, r.payload]),
    );
    const lookup: LedgerLookup = {
      accountOfType: (type) => accounts.find((a) => a.type === type)?.id,
      accountOfSubType: (sub) => accounts.find((a) => a.sub === sub)?.id,
      item: (id) => items.get(id),
    };
    const cents = (v: string) => Math.round(Number(v) * 100);
    const expected: string[] = [];
    for (const e of ENTITIES.filter((x) => x.kind === 'transaction')) {
      const rows = await sql<{ id: string; payload: Record<string, unknown> }>`
        SELECT id, payload FROM raw.${sql.raw(e.table)} WHERE realm_id = ${realmId} AND deleted_at_utc IS NULL`.execute(
        db,
      );
      for (const r of rows.rows) {
        for (const p of postingsOf(e.qboName, r.payload, lookup)) {
          expected.push(
            [
              e.qboName,
              r.id,
              p.lineId,
              p.accountId,
              p.debitCents,
              p.creditCents,
              p.customerId,
              p.vendorId,
              p.classId,
              p.departmentId,
            ].join('|'),
          );
        }
      }
    }
    const ledger = await sql<Record<string, string | null>>`
      SELECT txn_type, txn_id, line_id, account_id, debit::text, credit::text, customer_id, vendor_id, class_id, department_id
      FROM staging.general_ledger WHERE realm_id = ${realmId}`.execute(db);
    const actual = ledger.rows.map((r) =>
      [
        r.txn_type,
        r.txn_id,
        r.line_id,
        r.account_id,
        cents(r.debit as string),
        cents(r.credit as string),
        r.customer_id ?? '',
        r.vendor_id ?? '',
        r.class_id ?? '',
        r.department_id ?? '',
      ].join('|'),
    );
    assert.ok(expected.length > 1000, `${expected.length} postings`);
    assert.deepEqual(actual.sort(), expected.map((x) => x.replaceAll('|null', '|')).sort());
  });

  it('leaves a deleted invoice out of invoices, invoice_lines and the ledger after sync', async () => {
    const [{ id } = { id: '' }] = (
      await sql<{ id: string }>`SELECT id FROM staging.invoices ORDER BY txn_date DESC LIMIT 1`.execute(
        tdb.db,
      )
    ).rows;
    const present = async () => ({
      invoices: await count(tdb.db, sql`SELECT count(*)::int AS n FROM staging.invoices WHERE id = ${id}`),
      lines: await count(
        tdb.db,
        sql`SELECT count(*)::int AS n FROM staging.invoice_lines WHERE invoice_id = ${id}`,
      ),
      ledger: await count(
        tdb.db,
        sql`SELECT count(*)::int AS n FROM staging.general_ledger WHERE txn_type = 'Invoice' AND txn_id = ${id}`,
      ),
    });
    const seen = await present();
    assert.equal(seen.invoices, 1);
    assert.ok(seen.lines > 0 && seen.ledger > 1, JSON.stringify(seen));
    await emulatorChange(emulator.url, '/__emulator/records/delete', { realmId, entity: 'Invoice', id });
    const synced = await syncOnce(env, realmId);
    assert.deepEqual(synced.entities.invoices, { upserted: 0, deleted: 1 });
    assert.deepEqual(await present(), { invoices: 0, lines: 0, ledger: 0 });
  });
});
