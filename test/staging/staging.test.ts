import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENTITIES } from '../../src/model/entities.js';
import { runCli } from '../helpers/cli.js';
import { waitForRunEnd } from '../helpers/backfill.js';
import { emulatorChange, syncOnce } from '../helpers/sync.js';
import { useBackfilledCompany } from '../helpers/backfilled-company-hooks.js';
import { count, emulatorPostings, ledgerPostings, LINE_VIEWS, type Reconciled } from './staging-ledger.js';

/**
 * A sandbox company backfilled whole through the product, then read through schema staging: every
 * relation holds raw's live records, the ledger balances per transaction and agrees with the
 * emulator's TrialBalance (`reconcile`), and a deletion synced from the source leaves them all.
 */
describe('staging over a backfilled company', () => {
  const company = useBackfilledCompany({
    label: 'staging',
    seed: 2727,
    concurrency: 8,
    emulator: { requestsPerMinute: 1_000_000, maxConcurrent: 100 },
    env: { QBO_REQUESTS_PER_MINUTE: '100000', QBO_MAX_CONCURRENT: '30' },
  });

  it("holds raw's live records in every relation, and one line row per element of Line", async () => {
    const db = company.tdb.db;
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
      HAVING sum(debit) <> sum(credit)`.execute(company.tdb.db);
    assert.deepEqual(unbalanced.rows, []);
    const byType = await sql<{ txn_type: string; n: number }>`
      SELECT txn_type, count(DISTINCT txn_id)::int AS n FROM staging.general_ledger GROUP BY 1 ORDER BY 1`.execute(
      company.tdb.db,
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
      company.tdb.db,
      sql`SELECT count(*)::int AS n FROM staging.general_ledger g
        WHERE NOT EXISTS (SELECT 1 FROM staging.accounts a WHERE a.realm_id = g.realm_id AND a.id = g.account_id)`,
    );
    assert.equal(orphans, 0, 'every posting names an account of the chart');
  });

  it("posts exactly what the emulator's rules post, row for row, from raw's payloads", async () => {
    const db = company.tdb.db;
    const expected = await emulatorPostings(db, company.realmId);
    const actual = await ledgerPostings(db, company.realmId);
    assert.ok(expected.length > 1000, `${expected.length} postings`);
    assert.deepEqual(actual.sort(), expected.map((x) => x.replaceAll('|null', '|')).sort());
  });

  it("agrees with QBO's TrialBalance to the cent as of two dates (asked of QBO)", async () => {
    for (const asOf of ['2024-12-31', '2026-06-30']) {
      const r = await runCli(['reconcile', '--realm', company.realmId, '--as-of', asOf], company.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^realm ${company.realmId}, as of ${asOf}: staging.general_ledger beside QBO's TrialBalance asked now: all \\d+ accounts agree to the cent\n$`,
        ),
      );
      const json = await runCli(
        ['reconcile', '--realm', company.realmId, '--as-of', asOf, '--json'],
        company.env,
      );
      assert.equal(json.code, 0, json.stderr);
      const answer = JSON.parse(json.stdout) as Reconciled;
      assert.equal(answer.agrees, true);
      assert.equal(answer.source, 'qbo');
      assert.deepEqual(answer.differing, []);
      // Retained Earnings carries the years before: 2024 closed into it by mid-2026.
      assert.ok(answer.accounts.length > 8, json.stdout);
      const debits = answer.accounts.reduce((sum, a) => sum + Math.round(Number(a.qbo) * 100), 0);
      assert.equal(debits, 0, 'a trial balance balances');
    }
  });

  it('names the accounts a deliberately edited raw amount moves (exit 1), and reads a stored TrialBalance first', async () => {
    const asOf = '2026-06-30';
    const [invoice] = (
      await sql<{ id: string; payload: Record<string, unknown>; item: string }>`
        SELECT i.id, r.payload, l.item_id AS item FROM staging.invoices i
        JOIN raw.qb_invoices r ON r.realm_id = i.realm_id AND r.id = i.id
        JOIN staging.invoice_lines l ON l.realm_id = i.realm_id AND l.invoice_id = i.id AND l.line_num = 1
        WHERE i.txn_date BETWEEN '2026-01-01' AND ${asOf}::date AND l.detail_type = 'SalesItemLineDetail'
        ORDER BY i.txn_date LIMIT 1`.execute(company.tdb.db)
    ).rows;
    assert.ok(invoice);
    const accounts = await sql<{ id: string; name: string }>`
      SELECT a.id, a.name FROM staging.accounts a WHERE a.id IN (
        (SELECT income_account_id FROM staging.items WHERE id = ${invoice.item}),
        (SELECT min(id::numeric)::text FROM staging.accounts WHERE account_type = 'Accounts Receivable'))
      ORDER BY a.id::numeric`.execute(company.tdb.db);
    assert.equal(accounts.rows.length, 2);
    // Ten dollars more on the first line and the total of an invoice of this year (an earlier year's
    // would move Retained Earnings instead): still balanced, but not QBO's.
    await sql`UPDATE raw.qb_invoices SET payload = jsonb_set(jsonb_set(payload, '{Line,0,Amount}',
        to_jsonb((payload #>> '{Line,0,Amount}')::numeric + 10)), '{TotalAmt}',
        to_jsonb((payload ->> 'TotalAmt')::numeric + 10))
      WHERE realm_id = ${company.realmId} AND id = ${invoice.id}`.execute(company.tdb.db);
    try {
      const r = await runCli(['reconcile', '--realm', company.realmId, '--as-of', asOf], company.env);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.match(lines[0] as string, /: 2 of \d+ accounts differ \(balances debit positive\)$/);
      assert.match(lines[1] as string, /^account +name +ledger +QBO +difference$/);
      const rows = lines.slice(3).map((l) => l.split(/ {2,}/));
      assert.deepEqual(
        rows.map((c) => [c[0], c[1], c.at(-1)]),
        accounts.rows.map((a) => [
          a.id,
          a.name,
          a.name.startsWith('Accounts Receivable') ? '10.00' : '-10.00',
        ]),
      );
      const json = JSON.parse(
        (await runCli(['reconcile', '--realm', company.realmId, '--as-of', asOf, '--json'], company.env))
          .stdout,
      ) as Reconciled;
      assert.equal(json.agrees, false);
      assert.deepEqual(
        json.differing.map((d) => d.accountId),
        accounts.rows.map((a) => a.id),
      );
    } finally {
      await sql`UPDATE raw.qb_invoices SET payload = ${JSON.stringify(invoice.payload)}::jsonb
        WHERE realm_id = ${company.realmId} AND id = ${invoice.id}`.execute(company.tdb.db);
    }
    // A TrialBalance the product stored for that date (enqueue --reports) is QBO's side: it agrees,
    // and, edited to put one account a cent off, names that account.
    const enqueued = await runCli(
      ['enqueue', '--reports', 'TrialBalance', '--from', '2026-06-01', '--to', asOf, '--json'],
      company.env,
    );
    assert.equal(enqueued.code, 0, enqueued.stderr);
    assert.equal(
      await waitForRunEnd(company.tdb.db, (JSON.parse(enqueued.stdout) as { runId: string }).runId, 60_000),
      'succeeded',
    );
    const stored = JSON.parse(
      (await runCli(['reconcile', '--realm', company.realmId, '--as-of', asOf, '--json'], company.env))
        .stdout,
    ) as Reconciled;
    assert.deepEqual([stored.source, stored.agrees], ['stored', true]);
    assert.match(stored.request, /reports\/TrialBalance\?.*end_date=2026-06-30/);
    const off = stored.accounts.find((a) => Number(a.qbo) > 0)?.accountId as string;
    const report = (
      await sql<{ payload: { Rows: { Row: { ColData?: { value?: string; id?: string }[] }[] } } }>`
        SELECT payload FROM raw.qb_reports WHERE realm_id = ${company.realmId} AND report_name = 'TrialBalance'
          AND period_end = ${asOf}::date`.execute(company.tdb.db)
    ).rows[0]?.payload;
    const row = report?.Rows.Row.find((x) => x.ColData?.[0]?.id === off);
    assert.ok(row?.ColData?.[1]);
    row.ColData[1].value = (Number(row.ColData[1].value) + 0.01).toFixed(2);
    await sql`UPDATE raw.qb_reports SET payload = ${JSON.stringify(report)}::jsonb
      WHERE realm_id = ${company.realmId} AND report_name = 'TrialBalance' AND period_end = ${asOf}::date`.execute(
      company.tdb.db,
    );
    const edited = await runCli(
      ['reconcile', '--realm', company.realmId, '--as-of', asOf, '--json'],
      company.env,
    );
    assert.equal(edited.code, 1);
    assert.deepEqual(
      (JSON.parse(edited.stdout) as Reconciled).differing.map((d) => [d.accountId, d.difference]),
      [[off, '-0.01']],
    );
    await sql`DELETE FROM raw.qb_reports WHERE realm_id = ${company.realmId}`.execute(company.tdb.db);
  });

  it('refuses bad input with exit 2', async () => {
    const cases: [string[], string][] = [
      [['--as-of', '2026-06-30'], '--realm is required'],
      [['--realm', company.realmId], '--as-of is required'],
      [
        ['--realm', company.realmId, '--as-of', '2026-02-30'],
        '--as-of: expected a calendar date such as 2026-06-30, got "2026-02-30"',
      ],
      [['--realm', 'acme', '--as-of', '2026-06-30'], '--realm: expected a numeric company (realm) id'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['reconcile', ...args], company.env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.includes(message), r.stderr);
    }
  });

  it('leaves a deleted invoice out of invoices, invoice_lines and the ledger after sync', async () => {
    const [{ id } = { id: '' }] = (
      await sql<{ id: string }>`SELECT id FROM staging.invoices ORDER BY txn_date DESC LIMIT 1`.execute(
        company.tdb.db,
      )
    ).rows;
    const present = async () => ({
      invoices: await count(
        company.tdb.db,
        sql`SELECT count(*)::int AS n FROM staging.invoices WHERE id = ${id}`,
      ),
      lines: await count(
        company.tdb.db,
        sql`SELECT count(*)::int AS n FROM staging.invoice_lines WHERE invoice_id = ${id}`,
      ),
      ledger: await count(
        company.tdb.db,
        sql`SELECT count(*)::int AS n FROM staging.general_ledger WHERE txn_type = 'Invoice' AND txn_id = ${id}`,
      ),
    });
    const seen = await present();
    assert.equal(seen.invoices, 1);
    assert.ok(seen.lines > 0 && seen.ledger > 1, JSON.stringify(seen));
    await emulatorChange(company.emulator.url, '/__emulator/records/delete', {
      realmId: company.realmId,
      entity: 'Invoice',
      id,
    });
    const synced = await syncOnce(company.env, company.realmId);
    assert.deepEqual(synced.entities.invoices, { upserted: 0, deleted: 1 });
    assert.deepEqual(await present(), { invoices: 0, lines: 0, ledger: 0 });
  });

  it('reads a record whose amount is not a number as null: the views and the ledger still read', async () => {
    const [good] = (
      await sql<{ payload: Record<string, unknown> }>`
        SELECT payload FROM raw.qb_invoices WHERE realm_id = ${company.realmId} AND deleted_at_utc IS NULL LIMIT 1`.execute(
        company.tdb.db,
      )
    ).rows;
    assert.ok(good);
    const copy = (id: string, total: unknown) => JSON.stringify({ ...good.payload, Id: id, TotalAmt: total });
    await sql`INSERT INTO raw.qb_invoices (realm_id, id, payload, extract_window_start_utc,
        extract_window_end_utc, page_number, page_size, request_payload)
      VALUES (${company.realmId}, 'good-copy', ${copy('good-copy', good.payload.TotalAmt)}::jsonb, now(), now(), 1, 2, 'test'),
        (${company.realmId}, 'unreadable', ${copy('unreadable', 'twelve dollars')}::jsonb, now(), now(), 1, 2, 'test')`.execute(
      company.tdb.db,
    );
    try {
      const totals = await sql<{ id: string; total_amt: string | null }>`
        SELECT id, total_amt FROM staging.invoices
        WHERE realm_id = ${company.realmId} AND id IN ('good-copy', 'unreadable') ORDER BY id`.execute(
        company.tdb.db,
      );
      assert.deepEqual(
        totals.rows.map((r) => [r.id, r.total_amt === null ? null : Number(r.total_amt)]),
        [
          ['good-copy', Number(good.payload.TotalAmt)],
          ['unreadable', null],
        ],
      );
      // Its total posts nothing (reconcile shows A/R off by it); the good copy posts in full.
      const legs = await sql<{ txn_id: string; line_id: string }>`
        SELECT txn_id, line_id FROM staging.general_ledger
        WHERE realm_id = ${company.realmId} AND txn_id IN ('good-copy', 'unreadable') AND line_id = 'total'
        ORDER BY txn_id`.execute(company.tdb.db);
      assert.deepEqual(
        legs.rows.map((r) => r.txn_id),
        ['good-copy'],
      );
    } finally {
      await sql`DELETE FROM raw.qb_invoices WHERE realm_id = ${company.realmId} AND id IN ('good-copy', 'unreadable')`.execute(
        company.tdb.db,
      );
    }
  });
});
