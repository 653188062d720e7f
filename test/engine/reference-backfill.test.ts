import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { runCli } from '../helpers/cli.js';
import { fetchTruth, misplacedRows, rawIds } from '../helpers/backfill.js';
import { enqueueToEnd, reportJson, workedCompany, type WorkedCompany } from '../helpers/worked-company.js';
import { ENTITIES as REGISTRY } from '../../src/model/entities.js';

// The entities this scenario backfills (every entity is covered by every-entity.test.ts).
const ENTITIES = REGISTRY.filter((e) => ['invoices', 'customers', 'items'].includes(e.name));

const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2026-02-01T00:00:00Z');

interface Report {
  runId: string;
  status: string;
  totals: Record<string, number>;
  windows: {
    entity: string;
    day: string;
    status: string;
    inserted: number;
    updated: number;
    unchanged: number;
    rowsFetched: number;
    sourceCount: number | null;
  }[];
}

/**
 * The reference scenario: invoices, customers and items for January 2026, started by a delayed
 * enqueue and worked by two worker processes, checked record by record against the emulator.
 */
describe('reference backfill: January 2026, two worker processes', () => {
  let company: WorkedCompany;

  before(async () => {
    // Ten times QBO's request budget on both sides: what this scenario checks is what lands in
    // the tables, not pacing (one-budget-shared-by-three-workers checks that), so it runs in seconds.
    company = await workedCompany({
      label: 'ref',
      emulator: { seed: 20260101, config: { requestsPerMinute: 5_000 } },
      env: { QBO_REQUESTS_PER_MINUTE: '4800' },
      workers: { count: 2, concurrency: 3 },
    });
  });
  after(async () => {
    const output = company.output();
    // Graceful shutdown: SIGTERM drains and exits 0.
    assert.deepEqual(await company.close(), [0, 0], output);
  });

  async function backfill(): Promise<Report> {
    const startAt = new Date(Date.now() + 2_000).toISOString();
    const days = ['--windows', 'day', '--from', '2026-01-01', '--to', '2026-01-31', '--start-at', startAt];
    const { runId, jobs } = await enqueueToEnd(
      company,
      ['--entities', 'invoices,customers,items', ...days],
      180_000,
    );
    assert.equal(jobs, 93);
    // Delayed: no window started before the start time.
    const first = await company.tdb.db
      .selectFrom('ops.windows')
      .select((eb) => eb.fn.min('started_at').as('t'))
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    assert.ok(
      first.t && new Date(first.t).getTime() >= new Date(startAt).getTime(),
      `first start ${String(first.t)} >= ${startAt}`,
    );
    return reportJson<Report>(company.env, runId);
  }

  it('loads every record of the range exactly once, as the emulator has it', async () => {
    const report = await backfill();
    assert.equal(report.status, 'succeeded');
    assert.equal(report.totals.windows, 93);
    assert.equal(report.totals.succeeded, 93);
    assert.equal(report.totals.failed, 0);
    let total = 0;
    for (const entity of ENTITIES) {
      const truth = await fetchTruth(company.emulator.url, company.realmId, entity.name, FROM, TO);
      const stored = await rawIds(company.tdb.db, entity.name, company.realmId, FROM, TO);
      assert.deepEqual(stored, [...truth.ids].sort(), `${entity.name}: raw ids equal truth ids`);
      assert.ok(truth.count > 10, `${entity.name}: the range holds data (${truth.count})`);
      const all = await sql<{ n: number; d: number }>`
        SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM raw.${sql.raw(entity.table)}`.execute(
        company.tdb.db,
      );
      assert.deepEqual(
        all.rows[0],
        { n: truth.count, d: truth.count },
        `${entity.name}: no duplicates, nothing extra`,
      );
      assert.equal(
        await misplacedRows(company.tdb.db, entity.name),
        0,
        `${entity.name}: every record in its own window`,
      );
      // The report's per-window figures match the table and the source, day by day.
      for (const w of report.windows.filter((x) => x.entity === entity.name)) {
        assert.equal(w.inserted, truth.byDay[w.day] ?? 0, `${entity.name} ${w.day} inserted`);
        assert.equal(w.sourceCount, truth.byDay[w.day] ?? 0, `${entity.name} ${w.day} source count`);
      }
      total += truth.count;
    }
    assert.equal(report.totals.inserted, total);
    assert.equal(report.totals.rowsFetched, total);

    const status = await runCli(['status', '--run', report.runId, '--json'], company.env);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as {
      status: string;
      windows: Record<string, number>;
      failures: unknown[];
      plan: string;
      requests: number;
      forecast: Record<string, number>;
    };
    assert.deepEqual([parsed.status, parsed.windows, parsed.failures], ['succeeded', { succeeded: 93 }, []]);
    // A day plan of a small month: one request a window, as its forecast said.
    assert.deepEqual(
      [parsed.plan, parsed.requests, parsed.forecast],
      ['day', 93, { minRequests: 93, perDayRequests: 93, minQuotaShare: 0.0002, perDayQuotaShare: 0.0002 }],
    );
    const csv = await runCli(['report', '--run', report.runId, '--format', 'csv'], company.env);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(
      lines[0],
      'entity,day,status,pages,rowsFetched,inserted,updated,unchanged,sourceCount,durationMs,attempts,error',
    );
    assert.equal(lines.length, 94);
    const csvInserted = lines.slice(1).reduce((n, l) => n + Number(l.split(',')[5]), 0);
    assert.equal(csvInserted, total);
    const inactive = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM raw.qb_customers WHERE payload->>'Active' = 'false')::int
           + (SELECT count(*) FROM raw.qb_items WHERE payload->>'Active' = 'false')::int AS n`.execute(
      company.tdb.db,
    );
    assert.ok((inactive.rows[0]?.n ?? 0) > 0, 'inactive customers and items are loaded too');
  });

  it('reports a summary per entity within 80 columns, every window with --by day, and watches an ended run', async () => {
    const [run] = await company.tdb.db.selectFrom('ops.runs').select('run_id').execute();
    const runId = run?.run_id ?? '';
    const summary = await runCli(['report', '--run', runId], company.env);
    assert.equal(summary.code, 0, summary.stderr);
    const lines = summary.stdout.trimEnd().split('\n');
    assert.ok(
      lines.every((l) => l.length <= 80),
      lines.filter((l) => l.length > 80).join('\n'),
    );
    for (const entity of ENTITIES) {
      const line = lines.find((l) => l.startsWith(`${entity.name} `));
      assert.match(line ?? '', /\b31\/31\b/, entity.name);
    }
    assert.ok(
      lines.some((l) => /^totals: 93 entity-days read in \d+ windows?: 93 succeeded, 0 failed/.test(l)),
    );
    const byDay = await runCli(['report', '--run', runId, '--by', 'day'], company.env);
    assert.equal(
      byDay.stdout.split('\n').filter((l) => /^(invoices|customers|items) +2026-01-\d\d /.test(l)).length,
      93,
    );
    const bad = await runCli(['report', '--run', runId, '--by', 'week'], company.env);
    assert.deepEqual(
      [bad.code, bad.stderr.trim()],
      [2, 'qbo-backfill report: --by: expected entity, month, day, got "week"'],
    );
    const watch = await runCli(['status', '--watch', '--run', runId], company.env);
    assert.equal(watch.code, 0, watch.stderr);
    assert.match(watch.stdout.trim(), new RegExp(`^${runId} succeeded: 93/93 windows, \\d+ rows$`));
  });

  it('a second run of the same backfill inserts nothing and counts everything unchanged', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM raw.qb_invoices`.execute(
      company.tdb.db,
    );
    const report = await backfill();
    assert.equal(report.totals.inserted, 0);
    assert.equal(report.totals.updated, 0);
    assert.equal(report.totals.unchanged, report.totals.rowsFetched);
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM raw.qb_invoices`.execute(
      company.tdb.db,
    );
    assert.equal(after.rows[0]?.n, before.rows[0]?.n);
  });

  it('a record changed at the source is updated by the next run', async () => {
    const row = await company.tdb.db
      .selectFrom('raw.qb_customers')
      .select(['id', 'sync_token', 'source_last_updated_utc'])
      .where('realm_id', '=', company.realmId)
      .orderBy('source_last_updated_utc')
      .executeTakeFirstOrThrow();
    const moved = new Date((row.source_last_updated_utc as Date).getTime() + 1000);
    const res = await fetch(`${company.emulator.url}/__emulator/records/touch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        realmId: company.realmId,
        entity: 'Customer',
        id: row.id,
        lastUpdatedTime: moved.toISOString().replace('.000Z', 'Z'),
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const touched = (await res.json()) as { SyncToken: string };
    const report = await backfill();
    assert.equal(report.totals.updated, 1);
    assert.equal(report.totals.inserted, 0);
    const after = await company.tdb.db
      .selectFrom('raw.qb_customers')
      .select(['sync_token', 'source_last_updated_utc', 'payload'])
      .where('realm_id', '=', company.realmId)
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    assert.equal(String(after.sync_token), touched.SyncToken);
    assert.equal(after.source_last_updated_utc?.getTime(), moved.getTime());
    assert.equal((after.payload as { SyncToken: string }).SyncToken, touched.SyncToken);
  });
});
