import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { TestDatabase } from '../helpers/db.js';
import { commandStores, countRows, type CommandStores } from '../helpers/stores.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { runCli } from '../helpers/cli.js';

/**
 * Bad input, everywhere: every command, flag and setting answers exit 2 with one line that names
 * what is wrong and what is accepted, and writes nothing (no run, no window, no job, no token).
 */
describe('bad input on every command', () => {
  let stores: CommandStores;
  let tdb: TestDatabase;
  let prefix: string;
  let env: Record<string, string>;
  let redis: Redis;

  before(async () => {
    stores = await commandStores('bad');
    ({ tdb, prefix, env } = stores);
    redis = new Redis(TEST_REDIS_URL);
  });
  after(async () => {
    redis.disconnect();
    await stores.close();
  });

  async function written() {
    return {
      runs: await countRows(tdb.db, 'ops.runs'),
      windows: await countRows(tdb.db, 'ops.windows'),
      tokens: await countRows(tdb.db, 'ops.tokens'),
      redisKeys: (await redis.keys(`${prefix}:*`)).length,
    };
  }

  const day = 86_400_000;
  const tomorrowPlus2 = new Date(Math.floor(Date.now() / day) * day + 2 * day).toISOString().slice(0, 10);
  const farFuture = new Date(Date.now() + 400 * day).toISOString().slice(0, 10);

  // [label, argv, extra env, the whole line after "qbo-backfill <command>: "]
  const cases: [string, string[], Record<string, string>, string][] = [
    [
      'a range starting before QuickBooks Online existed',
      ['enqueue', '--entities', 'invoices', '--from', '1900-01-01', '--to', '2026-01-31'],
      {},
      '--from: 1900-01-01 is before 2000-01-01; QuickBooks Online holds no data from before 2000, give a later date',
    ],
    [
      'a range ending in days still to come',
      ['enqueue', '--entities', 'invoices', '--from', '2026-01-01', '--to', farFuture],
      {},
      `--to: ${farFuture} is after ${tomorrowPlus2} (the day after the run starts, UTC); days still to come have no data yet: give an earlier --to, or a later --start-at`,
    ],
    [
      'an impossible day for retry',
      ['retry', '--run', 'r1', '--entity', 'invoices', '--day', '2026-02-30'],
      {},
      '--day: 2026-02-30 is not a calendar date',
    ],
    [
      'a day that is no date for retry',
      ['retry', '--run', 'r1', '--entity', 'invoices', '--day', 'soon'],
      {},
      '--day: expected a UTC date such as 2026-01-01, got "soon"',
    ],
    [
      'an unknown report format',
      ['report', '--run', 'r1', '--format', 'xml'],
      {},
      '--format: expected table, json or csv, got "xml"',
    ],
    [
      'an unknown status flag',
      ['status', '--bogus'],
      {},
      'unknown option --bogus; usage: qbo-backfill status [--run ID] [--limit N] [--json] [--watch]',
    ],
    ['cancel without a run', ['cancel'], {}, '--run is required'],
    ['resume without a run', ['resume'], {}, '--run is required'],
    [
      'a worker of no concurrency',
      ['worker', '--concurrency', '0'],
      {},
      '--concurrency: expected an integer from 1 to 100, got "0"',
    ],
    [
      "a worker without the app's credentials, on a newcomer's first try",
      ['worker'],
      { QBO_ENVIRONMENT: 'sandbox' },
      "QBO_CLIENT_ID: expected the app's OAuth client id; to try the product without an Intuit app, set QBO_ENVIRONMENT=emulator (and run qbo-backfill emulator)",
    ],
    [
      'a webhook port that is the admin port',
      ['dashboard', '--port', '3100', '--webhook-port', '3100'],
      {},
      '--webhook-port: expected a port other than the admin port (--port 3100)',
    ],
    [
      'a webhook port out of range',
      ['dashboard', '--webhook-port', '70000'],
      {},
      '--webhook-port: expected an integer from 0 to 65535, got "70000"',
    ],
    [
      'a status limit of none',
      ['status', '--limit', '0'],
      {},
      '--limit: expected an integer from 1 to 10000, got "0"',
    ],
    [
      'a port out of range',
      ['dashboard', '--port', '99999'],
      {},
      '--port: expected an integer from 0 to 65535, got "99999"',
    ],
    [
      'a port that is no number',
      ['emulator', '--port', 'abc'],
      {},
      '--port: expected an integer from 0 to 65535, got "abc"',
    ],
    [
      'a realm that is no company id',
      ['auth', 'set', '--realm', 'abc'],
      {},
      '--realm: expected a numeric company (realm) id',
    ],
    [
      'a stray argument to migrate',
      ['migrate', 'now'],
      {},
      'unexpected argument "now"; usage: qbo-backfill migrate',
    ],
    [
      'a stray argument to status',
      ['status', 'r1'],
      {},
      'unexpected argument "r1"; usage: qbo-backfill status [--run ID] [--limit N] [--json] [--watch]',
    ],
    [
      'WINDOW_ATTEMPTS of 0',
      ['status'],
      { WINDOW_ATTEMPTS: '0' },
      'WINDOW_ATTEMPTS: expected an integer from 1 to 100',
    ],
    [
      'a negative WINDOW_BACKOFF_MS',
      ['status'],
      { WINDOW_BACKOFF_MS: '-5' },
      'WINDOW_BACKOFF_MS: expected an integer from 0 to 86400000',
    ],
    [
      'QBO_REQUEST_ATTEMPTS that is no number',
      ['status'],
      { QBO_REQUEST_ATTEMPTS: 'many' },
      'QBO_REQUEST_ATTEMPTS: expected an integer from 1 to 100',
    ],
    [
      'WINDOW_ATTEMPTS on enqueue',
      ['enqueue', '--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-02'],
      { WINDOW_ATTEMPTS: '101' },
      'WINDOW_ATTEMPTS: expected an integer from 1 to 100',
    ],
    [
      'an unknown QBO environment',
      ['status'],
      { QBO_ENVIRONMENT: 'staging' },
      'QBO_ENVIRONMENT: expected sandbox, production or emulator',
    ],
    [
      'a Redis URL of another protocol',
      ['status'],
      { REDIS_URL: 'http://x' },
      'REDIS_URL: expected a URL starting with redis: or rediss:',
    ],
  ];

  // A pasted list of 1,500 realm ids (25 KB), spaces where commas separate them: the error
  // quotes its start only. (A comma-separated list is several realms, one run each.)
  const realmList = Array.from({ length: 1_500 }, (_, i) => String(9_130_350_000_000_000 + i)).join(' ');
  cases.push([
    'a 25 KB list given to --realm',
    ['enqueue', '--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-02', '--realm', realmList],
    {},
    `--realm: expected a numeric company (realm) id, got "${realmList.slice(0, 60)}"… (${realmList.length} characters)`,
  ]);

  it('quotes at most 60 characters of an input, so a 25 KB --realm gives one short line', async () => {
    assert.ok(realmList.length > 25_000);
    const r = await runCli(cases.at(-1)?.[1] ?? [], env);
    assert.equal(r.code, 2, r.stderr);
    const line = r.stderr.trim();
    assert.ok(line.length < 200, `${line.length} characters: ${line.slice(0, 300)}`);
    assert.match(line, /^qbo-backfill enqueue: --realm: /);
  });

  for (const [label, argv, extra, message] of cases) {
    it(`${label}: exit 2, one line, nothing written`, async () => {
      const r = await runCli(argv, { ...env, ...extra });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim(), `qbo-backfill ${argv[0]}: ${message}`);
      assert.equal(r.stdout, '');
      assert.deepEqual(await written(), { runs: 0, windows: 0, tokens: 0, redisKeys: 0 });
    });
  }
});
