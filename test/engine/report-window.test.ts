/**
 * A report window through the window job, against real PostgreSQL and a stand-in for QBO that
 * answers in QBO's shape and cuts a GeneralLedger longer than a week: the month is stored whole as
 * its weeks, each under its own period, no cut answer stored, and the run's report lists them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Queue } from 'bullmq';
import { pino } from 'pino';
import { windowJobId, type WindowJobData } from '../../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { processWindow } from '../../src/backfill/window/window-job.js';
import { buildReport, reportJson } from '../../src/backfill/runs/report.js';
import type { RunReportEntry } from '../../src/backfill/runs/report-reports.js';
import type { QboQuery, ReportResult } from '../../src/qbo/qbo-client.js';
import type { ReportAnswer } from '../../src/qbo/reports/report-shape.js';
import { useTestDatabase } from '../helpers/db.js';
import { generalLedger, profitAndLoss } from '../unit/fixtures/report-answers.js';

const silent = pino({ level: 'silent' });
const REALM = '9130000000000001';

/** Days from `start_date` to `end_date`, inclusive. */
const span = (p: Record<string, string>) =>
  (Date.parse(p.end_date as string) - Date.parse(p.start_date as string)) / 86_400_000 + 1;

function standIn(asked: Record<string, string>[], cutOver = 7): QboQuery {
  return {
    query: () => Promise.reject(new Error('no query expected')),
    report(_realm: string, name: string, params: Record<string, string>): Promise<ReportResult> {
      asked.push({ name, ...params });
      let report: ReportAnswer =
        name === 'GeneralLedger'
          ? generalLedger(span(params) > cutOver ? 'message' : 'none')
          : profitAndLoss();
      // The second P&L month does not add up: its checks fail, the window still succeeds.
      if (name === 'ProfitAndLoss' && params.start_date === '2025-02-01') report = profitAndLoss('1500.07');
      const request = `/v3/company/${REALM}/reports/${name}?${new URLSearchParams(params).toString()}`;
      return Promise.resolve({ report, request, intuitTid: undefined, requests: 1 });
    },
  };
}

function jobFor(runId: string, entity: string, day: string): Job<WindowJobData> {
  return {
    id: windowJobId(runId, entity, day, 0),
    data: { runId, realmId: REALM, entity, day, windowStart: '', windowEnd: '', pageSize: 1000 },
    opts: { attempts: 1 },
    attemptsMade: 0,
    moveToDelayed: () => Promise.resolve(),
  } as unknown as Job<WindowJobData>;
}

describe('report windows', () => {
  const tdb = useTestDatabase();

  it('stores a cut month as its whole weeks, with checks, and reports them', async () => {
    const { db } = tdb();
    const added: string[] = [];
    const queue = {
      addBulk: (jobs: { opts: { jobId: string } }[]) => (
        added.push(...jobs.map((j) => j.opts.jobId)),
        Promise.resolve([])
      ),
    };
    const plan = planBackfill({
      realmId: REALM,
      entities: [],
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2025-03-01T00:00:00Z'),
      startAt: new Date(),
      pageSize: 1000,
      windows: 'adaptive',
      reports: ['GeneralLedger', 'ProfitAndLoss'],
      accountingMethod: 'Cash',
    });
    assert.equal(plan.jobs, 4);
    const run = await enqueueBackfill(db, queue as unknown as Queue<WindowJobData>, plan);
    assert.equal(added.length, 4);
    const asked: Record<string, string>[] = [];
    const options = { db, qbo: standIn(asked), logger: silent };
    for (const entity of ['GeneralLedger', 'ProfitAndLoss'])
      for (const day of ['2025-01-01', '2025-02-01']) {
        const outcome = await processWindow(jobFor(run.runId, entity, day), undefined, options);
        assert.equal(outcome.status, 'succeeded');
      }
    // Every request says its method; January's GL: the month (cut), then its five weeks.
    assert.ok(asked.every((a) => a.accounting_method === 'Cash'));
    const january = asked.filter((a) => a.name === 'GeneralLedger' && a.start_date?.startsWith('2025-01'));
    assert.deepEqual(
      january.map((a) => `${a.start_date}..${a.end_date}`),
      [
        '2025-01-01..2025-01-31',
        '2025-01-01..2025-01-07',
        '2025-01-08..2025-01-14',
        '2025-01-15..2025-01-21',
        '2025-01-22..2025-01-28',
        '2025-01-29..2025-01-31',
      ],
    );
    const stored = await db
      .selectFrom('raw.qb_reports')
      .select(['report_name', 'accounting_method', 'period_start', 'period_end', 'checks'])
      .orderBy('report_name')
      .orderBy('period_start')
      .execute();
    const gl = stored.filter((s) => s.report_name === 'GeneralLedger');
    assert.equal(gl.length, 9); // 5 weeks of January, 4 of February (28 days)
    assert.ok(gl.every((s) => (JSON.parse(JSON.stringify(s.checks)) as { ok: boolean }).ok));
    // No cut answer is stored: no row carries QBO's message.
    const cut = await db
      .selectFrom('raw.qb_report_rows')
      .select('label')
      .where('label', 'like', 'Unable%')
      .execute();
    assert.equal(cut.length, 0);
    const rows = await db
      .selectFrom('raw.qb_report_rows')
      .selectAll()
      .where('report_name', '=', 'ProfitAndLoss')
      .where('period_start', '=', '2025-01-01')
      .orderBy('row_number')
      .execute();
    assert.deepEqual(
      rows
        .slice(0, 2)
        .map((r) => [r.row_number, r.path, r.section_group, r.row_type, r.account_id, r.label, r.amount]),
      [
        [1, ['Income'], 'Income', 'data', '1', 'Services', '1000.00'],
        [2, ['Income', 'Sales'], '', 'data', '2', 'Hardware', '300.00'],
      ],
    );
    const report = JSON.parse(reportJson(await buildReport(db, run.runId))) as {
      status: string;
      windows: unknown[];
      reports: RunReportEntry[];
    };
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(report.windows, []);
    assert.equal(report.reports.length, 11);
    assert.deepEqual(
      report.reports.filter((r) => r.report === 'ProfitAndLoss'),
      [
        {
          report: 'ProfitAndLoss',
          accountingMethod: 'Cash',
          periodStart: '2025-01-01',
          periodEnd: '2025-01-31',
          rows: 9,
          checks: 'ok',
        },
        {
          report: 'ProfitAndLoss',
          accountingMethod: 'Cash',
          periodStart: '2025-02-01',
          periodEnd: '2025-02-28',
          rows: 9,
          checks: 'section Income: 1500.07 vs 1500.00',
        },
      ],
    );
    // Read again, the same period replaces what was stored: one report, the same rows.
    const again = await enqueueBackfill(db, queue as unknown as Queue<WindowJobData>, {
      ...plan,
      dedupeKey: 'again',
    });
    await processWindow(jobFor(again.runId, 'ProfitAndLoss', '2025-01-01'), undefined, options);
    const count = await db
      .selectFrom('raw.qb_report_rows')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('report_name', '=', 'ProfitAndLoss')
      .where('period_start', '=', '2025-01-01')
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 9);
  });

  it('once a week of the month is cut, asks the next weeks by day at once', async () => {
    const { db } = tdb();
    const queue = { addBulk: () => Promise.resolve([]) };
    const plan = planBackfill({
      realmId: REALM,
      entities: [],
      from: new Date('2024-03-01T00:00:00Z'),
      to: new Date('2024-04-01T00:00:00Z'),
      startAt: new Date(),
      pageSize: 1000,
      windows: 'adaptive',
      reports: ['GeneralLedger'],
    });
    const run = await enqueueBackfill(db, queue as unknown as Queue<WindowJobData>, plan);
    const asked: Record<string, string>[] = [];
    const outcome = await processWindow(jobFor(run.runId, 'GeneralLedger', '2024-03-01'), undefined, {
      db,
      qbo: standIn(asked, 1),
      logger: silent,
    });
    assert.equal(outcome.status, 'succeeded');
    // The month, its first week (cut too), then every day: 33 requests, not 37.
    assert.deepEqual(
      asked.slice(0, 3).map((a) => `${a.start_date}..${a.end_date}`),
      ['2024-03-01..2024-03-31', '2024-03-01..2024-03-07', '2024-03-01..2024-03-01'],
    );
    assert.equal(asked.length, 33);
    const parts = await db
      .selectFrom('raw.qb_reports')
      .select('period_start')
      .where('report_name', '=', 'GeneralLedger')
      .where('period_start', '>=', '2024-03-01')
      .where('period_end', '<=', '2024-03-31')
      .execute();
    assert.equal(parts.length, 31);
  });
});
