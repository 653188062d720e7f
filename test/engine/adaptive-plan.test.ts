import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { emulatorStats, fetchTruth, rawIds, waitForRunEnd } from '../helpers/backfill.js';
import { enqueueToEnd, reportJson, workedCompany, type WorkedCompany } from '../helpers/worked-company.js';

interface Report {
  status: string;
  totals: Record<string, number>;
  windows: {
    entity: string;
    day: string;
    status: string;
    rowsFetched: number;
    inserted: number;
    unchanged: number;
    sourceCount: number | null;
    pages: number;
  }[];
}

/**
 * Reads that follow the data's density, on the large profile (about 1,000 invoices a day), by two
 * worker processes: a dense window splits into day-aligned parts read in parallel, each entity-day
 * is still reported on its own, a day can be read again, and the requests stay about one per page
 * of records. Each realm of the emulator serves one test, so their request counts stay apart.
 */
describe('adaptive plan: dense data', () => {
  let company: WorkedCompany;

  before(async () => {
    company = await workedCompany({
      label: 'adaptive',
      emulator: {
        seed: 4242,
        profile: 'large',
        realmIds: ['9130000000000001', '9130000000000002'],
        config: { requestsPerMinute: 1_000_000, maxConcurrent: 100 },
      },
      env: { QBO_REQUESTS_PER_MINUTE: '100000', QBO_MAX_CONCURRENT: '30' },
      workers: { count: 2, concurrency: 4 },
    });
  });
  after(async () => {
    const output = company.output();
    assert.deepEqual(await company.close(), [0, 0], output);
  });

  async function backfill(realm: string, from: string, to: string, pageSize: number): Promise<string> {
    const page = ['--page-size', String(pageSize)];
    const { runId, jobs } = await enqueueToEnd(
      company,
      ['--entities', 'invoices', '--from', from, '--to', to, '--realm', realm, ...page],
      120_000,
    );
    assert.equal(jobs, 1, 'one window for the entity, whatever the range');
    return runId;
  }

  /** raw equals the truth, and every reported day counts exactly that day's records, read once. */
  async function expectExact(realm: string, runId: string, from: string, to: string, days: number) {
    const truth = await fetchTruth(company.emulator.url, realm, 'invoices', new Date(from), new Date(to));
    assert.deepEqual(
      await rawIds(company.tdb.db, 'invoices', realm, new Date(from), new Date(to)),
      [...truth.ids].sort(),
    );
    const r = await reportJson<Report>(company.env, runId);
    assert.equal(r.windows.length, days);
    for (const w of r.windows) {
      const n = truth.byDay[w.day] ?? 0;
      assert.deepEqual([w.day, w.status, w.rowsFetched, w.sourceCount], [w.day, 'succeeded', n, n]);
    }
    assert.equal(r.totals.rowsFetched, truth.count);
    return { truth, report: r };
  }

  it('splits a dense window into parts of whole days, read in parallel, and reports every day', async () => {
    const realm = company.emulator.realmIds[0] as string;
    const [from, to] = ['2025-03-01', '2025-03-05'];
    const runId = await backfill(realm, from, to, 100);
    const windows = await company.tdb.db
      .selectFrom('ops.windows')
      .select(['day', 'window_start_utc', 'window_end_utc', 'pages', 'requests'])
      .where('run_id', '=', runId)
      .orderBy('day')
      .execute();
    // About 5,000 invoices in pages of 100: parts of at least 10 pages (1,000 records), of whole
    // days, contiguous, covering the range.
    const truth = await fetchTruth(
      company.emulator.url,
      realm,
      'invoices',
      new Date(from),
      new Date('2025-03-06'),
    );
    assert.equal(windows.length, Math.min(5, Math.floor(truth.count / 1000)));
    assert.ok(windows.length >= 4, `${truth.count} records: ${windows.length} parts`);
    let at = new Date(`${from}T00:00:00Z`).getTime();
    for (const w of windows) {
      assert.deepEqual([w.day, w.window_start_utc.getTime()], [new Date(at).toISOString().slice(0, 10), at]);
      assert.equal(w.window_end_utc.getTime() % 86_400_000, 0, 'a part ends at a UTC midnight');
      at = w.window_end_utc.getTime();
    }
    assert.equal(at, Date.parse('2025-03-06T00:00:00Z'));
    const { report: r } = await expectExact(realm, runId, '2025-03-01T00:00:00Z', '2025-03-06T00:00:00Z', 5);
    const requests = (await emulatorStats(company.emulator.url)).realms[realm]?.requests['200'] ?? 0;
    // Every request the realm answered is counted on a window: pages, the split's COUNT, reconciliations.
    assert.equal(r.totals.requests, requests);
    assert.equal(
      requests,
      windows.reduce((n, w) => n + w.pages, 0) + 1 + windows.length,
      'its pages, the COUNT that split it, a reconciling COUNT per part',
    );
  });

  it('reads ten dense days in pages of 1000 for about one request per 1000 records', async () => {
    const realm = company.emulator.realmIds[1] as string;
    const runId = await backfill(realm, '2025-04-01', '2025-04-10', 1000);
    const { truth } = await expectExact(realm, runId, '2025-04-01T00:00:00Z', '2025-04-11T00:00:00Z', 10);
    const requests = (await emulatorStats(company.emulator.url)).realms[realm]?.requests['200'] ?? 0;
    const bound = 1.25 * Math.ceil(truth.count / 1000) + 2;
    assert.ok(truth.count > 9_000, `${truth.count} invoices`);
    assert.ok(requests <= bound, `${requests} requests for ${truth.count} records, bound ${bound}`);
  });

  it('retry of one day of a window over many days reads that window again, counted once', async () => {
    const realm = company.emulator.realmIds[1] as string;
    const runs = await company.tdb.db
      .selectFrom('ops.runs')
      .select('run_id')
      .where('realm_id', '=', realm)
      .execute();
    const runId = runs[0]?.run_id as string;
    const retry = await runCli(
      ['retry', '--run', runId, '--entity', 'invoices', '--day', '2025-04-05'],
      company.env,
    );
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(
      retry.stdout,
      /^window invoices 2025-04-05 of run \S+ enqueued as job \S+ \(read with the rest of its window, 2025-04-01 \.\. 2025-04-10\)$/m,
    );
    assert.equal(await waitForRunEnd(company.tdb.db, runId, 120_000), 'succeeded');
    const { report: r } = await expectExact(realm, runId, '2025-04-01T00:00:00Z', '2025-04-11T00:00:00Z', 10);
    // Read again from page one: every record is there already, unchanged.
    assert.equal(r.totals.unchanged, r.totals.rowsFetched);
    assert.equal(r.totals.inserted, 0);
  });
});
