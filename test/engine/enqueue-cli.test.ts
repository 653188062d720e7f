import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { recorded, sandboxOf111 } from '../helpers/enqueue-cli.js';
import { queueStores, type QueueStores } from '../helpers/stores.js';

/**
 * `enqueue` refusing what it cannot run (a bad flag, a realm without a token) and planning dry:
 * exit 2 with one line, or the plan printed, and nothing recorded or queued either way.
 */
describe('qbo-backfill enqueue: refusals and dry runs', () => {
  let stores: QueueStores;
  let env: Record<string, string>;

  before(async () => {
    stores = await queueStores('enq');
    ({ env } = stores);
  });
  after(() => stores.close());

  const counts = () => recorded(stores);

  /** January 2026, and invoices over it: a good range, for the rows that get one flag wrong. */
  const RANGE = ['--from', '2026-01-01', '--to', '2026-01-31'];
  const JANUARY = ['--entities', 'invoices', ...RANGE];
  const bad: [string, string[], string][] = [
    [
      'missing --entities',
      ['--from', '2026-01-01', '--to', '2026-01-31'],
      '--entities is required (entity names or all; qbo-backfill entities lists them)',
    ],
    [
      'unknown entity',
      ['--entities', 'invoices,widgets', '--from', '2026-01-01', '--to', '2026-01-31'],
      '--entities: unknown entity "widgets"; qbo-backfill entities lists the known ones',
    ],
    [
      'bad date',
      ['--entities', 'invoices', '--from', '2026-13-01', '--to', '2026-01-31'],
      '--from: 2026-13-01 is not a calendar date',
    ],
    [
      'not a date',
      ['--entities', 'invoices', '--from', 'yesterday', '--to', '2026-01-31'],
      '--from: expected a UTC date (2026-01-01) or an ISO instant with an offset (2026-01-01T00:00:00Z), got "yesterday"',
    ],
    [
      'instant without offset',
      ['--entities', 'invoices', '--from', '2026-01-01T00:00:00', '--to', '2026-01-31'],
      '--from: expected a UTC date (2026-01-01) or an ISO instant with an offset (2026-01-01T00:00:00Z), got "2026-01-01T00:00:00"',
    ],
    [
      'from after to',
      ['--entities', 'invoices', '--from', '2026-02-01', '--to', '2026-01-31'],
      '--from (2026-02-01) must be before --to (2026-01-31)',
    ],
    [
      'page size 0',
      ['--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-31', '--page-size', '0'],
      '--page-size: expected an integer from 1 to 1000, got "0"',
    ],
    [
      'page size 1001',
      ['--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-31', '--page-size', '1001'],
      '--page-size: expected an integer from 1 to 1000, got "1001"',
    ],
    [
      'start-at without offset',
      [
        '--entities',
        'invoices',
        '--from',
        '2026-01-01',
        '--to',
        '2026-01-31',
        '--start-at',
        '2099-01-01T10:00',
      ],
      '--start-at: expected an ISO instant with an offset (2026-02-01T15:30:00Z or 2026-02-01T10:30:00-05:00), got "2099-01-01T10:00"',
    ],
    [
      'start-at in the past',
      [
        '--entities',
        'invoices',
        '--from',
        '2026-01-01',
        '--to',
        '2026-01-31',
        '--start-at',
        '2020-01-01T00:00:00Z',
      ],
      '--start-at 2020-01-01T00:00:00Z is in the past; give a future instant or leave it out to start now',
    ],
    [
      'bad realm',
      ['--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-31', '--realm', 'acme'],
      '--realm: expected a numeric company (realm) id, got "acme"',
    ],
    [
      'bad realm among good ones',
      [...JANUARY, '--realm', '4620101,acme', '--realm', '4620102'],
      '--realm: expected a numeric company (realm) id, got "acme"',
    ],
    [
      'empty realm in a list',
      [...JANUARY, '--realm', '4620101,'],
      '--realm: expected a numeric company (realm) id, got ""',
    ],
    [
      'unknown flag',
      ['--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-31', '--frobnicate'],
      'unknown option --frobnicate; usage: qbo-backfill enqueue --entities invoices,customers,items --from DATE --to DATE [--start-at INSTANT] [--realm ID[,ID...]|all]... [--page-size N] [--windows adaptive|day] [--reports NAME[,NAME...]|all [--accounting-method accrual|cash]] [--dry-run] [--json] [--follow]',
    ],
  ];
  for (const [label, args, message] of bad) {
    it(`exits 2 and changes nothing on ${label}`, async () => {
      const r = await runCli(['enqueue', ...args], env);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim(), `qbo-backfill enqueue: ${message}`);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.deepEqual(await counts(), { runs: 0, jobs: 0 });
    });
  }

  it('refuses a realm with no refresh token', async () => {
    const r = await runCli(
      ['enqueue', '--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-02', '--realm', '123'],
      { ...env, QBO_ENVIRONMENT: 'sandbox', QBO_CLIENT_ID: 'x', QBO_CLIENT_SECRET: 'y' },
    );
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr.trim(),
      'qbo-backfill enqueue: realm 123 has no refresh token in the token store; store one with: qbo-backfill auth set --realm 123',
    );
    assert.deepEqual(await counts(), { runs: 0, jobs: 0 });
  });

  it('does not bootstrap another realm from QBO_REFRESH_TOKEN', async () => {
    const r = await runCli(
      ['enqueue', '--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-02', '--realm', '222'],
      sandboxOf111(env),
    );
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr.trim(),
      'qbo-backfill enqueue: realm 222 has no refresh token in the token store; store one with: qbo-backfill auth set --realm 222',
    );
    assert.deepEqual(await counts(), { runs: 0, jobs: 0 });
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const later = ['--start-at', '2099-02-01T15:30:00Z', '--dry-run'];
    const args = ['enqueue', '--entities', 'invoices,customers', ...RANGE, ...later];
    const r = await runCli(args, env);
    assert.equal(r.code, 0, r.stderr);
    // Reads that follow the data by default: one window per entity over the range.
    assert.match(
      r.stdout,
      /would enqueue 2 windows \(one job each\) for realm \S+: one per entity over 31 UTC days \(invoices, customers\), split where the data is dense/,
    );
    const days = await runCli([...args, '--windows', 'day'], env);
    assert.match(
      days.stdout,
      /would enqueue 62 windows \(one job each\) for realm \S+: invoices, customers x 31 UTC days/,
    );
    assert.match(r.stdout, /would start at 2099-02-01T15:30:00Z = 2099-02-01 10:30 America\/Guayaquil/);
    assert.deepEqual(await counts(), { runs: 0, jobs: 0 });
  });

  it('--dry-run forecasts the requests, the duration at the realm budget and the share of the monthly quota', async () => {
    const args = ['enqueue', '--entities', 'invoices,customers', ...RANGE, '--dry-run'];
    const r = await runCli(args, { ...env, QBO_MONTHLY_READ_QUOTA: '1000' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /needs 2 to 62 QBO requests \(one per entity for data that fits a page, up to one per entity and UTC day/,
    );
    assert.match(r.stdout, /takes 1 min to 1 min at the realm budget of 480 requests\/min/);
    assert.match(r.stdout, /uses 0\.20% to 6\.20% of the monthly read quota \(1000\)/);
    const json = await runCli([...args, '--json'], { ...env, QBO_MONTHLY_READ_QUOTA: '1000' });
    assert.deepEqual((JSON.parse(json.stdout) as { forecast: unknown }).forecast, {
      minRequests: 2,
      minMinutes: 0,
      minQuotaShare: 0.002,
      perDayRequests: 62,
      perDayMinutes: 0.1,
      perDayQuotaShare: 0.062,
      monthlyReadQuota: 1000,
    });
    const days = await runCli([...args, '--windows', 'day'], { ...env, QBO_MONTHLY_READ_QUOTA: '1000' });
    assert.match(days.stdout, /needs at least 62 QBO requests \(one per window/);
    assert.match(days.stdout, /uses at least 6\.20% of the monthly read quota \(1000\)/);
    assert.deepEqual(await counts(), { runs: 0, jobs: 0 });
  });
});
