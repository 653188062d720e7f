import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENTITIES } from '../../src/model/entities.js';
import { runCli } from '../helpers/cli.js';
import { emulatorStats, misplacedRows } from '../helpers/backfill.js';
import { enqueueToEnd, reportJson, workedCompany, type WorkedCompany } from '../helpers/worked-company.js';

const FROM = '2026-01-01T00:00:00Z';
const TO = '2026-02-01T00:00:00Z';

interface Report {
  status: string;
  totals: Record<string, number>;
  windows: { entity: string; day: string; status: string; inserted: number; sourceCount: number | null }[];
}

/**
 * January 2026 of every entity, worked by three worker processes, checked record by record
 * against the emulator. QBO's limits are raised on both sides so the ~900 windows take seconds.
 */
describe('every entity: January 2026, three worker processes', () => {
  let company: WorkedCompany;

  before(async () => {
    company = await workedCompany({
      label: 'every',
      emulator: { seed: 20260101, config: { requestsPerMinute: 1_000_000, maxConcurrent: 100 } },
      env: { QBO_REQUESTS_PER_MINUTE: '100000', QBO_MAX_CONCURRENT: '30' },
      workers: { count: 3, concurrency: 8 },
    });
  });
  after(async () => {
    const output = company.output();
    assert.deepEqual(await company.close(), [0, 0, 0], output);
  });

  it('lists every entity with its QBO name, table and kind', async () => {
    const r = await runCli(['entities', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as { name: string; qboName: string; table: string; kind: string }[];
    assert.deepEqual(
      listed,
      ENTITIES.map((e) => ({ name: e.name, qboName: e.qboName, table: e.table, kind: e.kind })),
    );
    assert.ok(listed.length >= 32);
    assert.deepEqual(
      listed.find((e) => e.qboName === 'JournalEntry'),
      {
        name: 'journal_entries',
        qboName: 'JournalEntry',
        table: 'qb_journal_entries',
        kind: 'transaction',
      },
    );
    const text = await runCli(['entities']);
    assert.match(
      text.stdout,
      /company_info +│ CompanyInfo +│ raw\.qb_company_info +│ snapshot +│ whole, once per run/,
    );
  });

  it('loads every record of every entity, as the emulator has it (a window per entity and day)', async () => {
    const whole = ENTITIES.filter((e) => e.read === 'whole');
    const { requests } = await loadsEveryRecord(
      'day',
      company.realmId,
      (ENTITIES.length - whole.length) * 31 + whole.length,
    );
    assert.equal(requests, (ENTITIES.length - whole.length) * 31 + whole.length, 'one request a window');
  });

  it('loads every record of every entity with reads that follow the data: one request an entity', async () => {
    const other = company.emulator.realmIds[1] as string;
    const { requests, truths } = await loadsEveryRecord('adaptive', other, ENTITIES.length);
    // The bound of the plan: about one request per 1000 records of an entity, plus 2.
    const bound = truths.reduce((n, t) => n + 1.25 * Math.max(1, Math.ceil(t / 1000)) + 2, 0);
    assert.ok(requests <= bound, `${requests} requests, bound ${bound}`);
    assert.equal(requests, ENTITIES.length, 'every entity of a small company fits one page');
  });

  /**
   * Backs January 2026 up for `realm` with the plan, and checks raw and the report against the
   * truth, entity by entity and day by day. Returns the QBO requests it took and each entity's count.
   */
  async function loadsEveryRecord(
    plan: 'day' | 'adaptive',
    realm: string,
    expectedJobs: number,
  ): Promise<{ requests: number; truths: number[] }> {
    const { runId, jobs } = await enqueueToEnd(
      company,
      [
        '--entities',
        'all',
        '--from',
        '2026-01-01',
        '--to',
        '2026-01-31',
        '--windows',
        plan,
        '--realm',
        realm,
      ],
      240_000,
    );
    assert.equal(jobs, expectedJobs);
    const whole = ENTITIES.filter((e) => e.read === 'whole');
    const entries = (ENTITIES.length - whole.length) * 31 + whole.length;
    const report = await reportJson<Report>(company.env, runId);
    // One entry per entity and UTC day whatever the plan read at once.
    assert.equal(report.totals.windows, entries);
    assert.equal(report.totals.succeeded, entries);
    assert.equal(report.totals.temporalAnomalies, 0);

    let withData = 0;
    let total = 0;
    const truths: number[] = [];
    for (const entity of ENTITIES) {
      // Entities read whole are compared with the whole entity (truth without from/to).
      const range = entity.read === 'whole' ? '' : `&from=${FROM}&to=${TO}`;
      const res = await fetch(
        `${company.emulator.url}/__emulator/truth?realmId=${realm}&entity=${entity.qboName}${range}&ids=true`,
      );
      assert.equal(res.status, 200, entity.name);
      const truth = (await res.json()) as { count: number; byDay: Record<string, number>; ids: string[] };
      const stored = await sql<{ id: string }>`
        SELECT id FROM raw.${sql.raw(entity.table)} WHERE realm_id = ${realm} ORDER BY id`.execute(
        company.tdb.db,
      );
      assert.deepEqual(
        stored.rows.map((r) => r.id),
        [...truth.ids].sort(),
        `${entity.name}: raw ids equal truth ids`,
      );
      const windows = report.windows.filter((w) => w.entity === entity.name);
      if (entity.read === 'whole') {
        // One window per run, labelled with the run's first day.
        assert.deepEqual(
          windows.map((w) => [w.day, w.status, w.inserted]),
          [['2026-01-01', 'succeeded', truth.count]],
          entity.name,
        );
      } else {
        assert.equal(windows.length, 31, entity.name);
        for (const w of windows) {
          assert.equal(w.inserted, truth.byDay[w.day] ?? 0, `${entity.name} ${w.day}`);
          assert.equal(w.sourceCount, truth.byDay[w.day] ?? 0, `${entity.name} ${w.day}`);
        }
        assert.equal(
          await misplacedRows(company.tdb.db, entity.name),
          0,
          `${entity.name}: every record in its window`,
        );
      }
      if (truth.count > 0) withData++;
      total += truth.count;
      truths.push(truth.count);
    }
    assert.ok(withData >= 28, `${withData} entities hold data`);
    assert.equal(report.totals.inserted, total);

    const snapshot = await sql<{ n: number; name: string }>`
      SELECT count(*)::int AS n, min(payload->>'CompanyName') AS name FROM raw.qb_company_info
      WHERE realm_id = ${realm}`.execute(company.tdb.db);
    assert.equal(snapshot.rows[0]?.n, 1);
    assert.ok(snapshot.rows[0]?.name);
    assert.ok(await hasInactive(), 'inactive name-list records are loaded');
    // Nothing was refused: every query the loop sent is one QBO accepts for its entity.
    const stats = (await emulatorStats(company.emulator.url)).realms[realm];
    assert.deepEqual(Object.keys(stats?.requests ?? {}), ['200'], JSON.stringify(stats));
    return { requests: stats?.requests['200'] ?? 0, truths };
  }

  async function hasInactive(): Promise<boolean> {
    const lists = ENTITIES.filter((e) => e.kind === 'list');
    for (const e of lists) {
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM raw.${sql.raw(e.table)} WHERE payload->>'Active' = 'false'`.execute(
        company.tdb.db,
      );
      if ((r.rows[0]?.n ?? 0) > 0) return true;
    }
    return false;
  }
});
