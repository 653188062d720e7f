import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { recorded, sandboxOf111 } from '../helpers/enqueue-cli.js';
import type { TestDatabase } from '../helpers/db.js';
import { queueStores, type QueueStores } from '../helpers/stores.js';

/**
 * `enqueue` recording runs: the run, its windows and their delayed jobs, the live run returned
 * when repeated, and one run per realm when a command names several.
 */
describe('qbo-backfill enqueue: runs recorded', () => {
  let stores: QueueStores;
  let tdb: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    stores = await queueStores('enq-runs');
    ({ tdb, env } = stores);
  });
  after(() => stores.close());

  const counts = () => recorded(stores);
  /** January 2026, and a start far in the future. */
  const RANGE = ['--from', '2026-01-01', '--to', '2026-01-31'];
  const START = ['--start-at', '2099-02-01T15:30:00Z'];

  it('enqueues one delayed job per entity and day, and returns the live run when repeated', async () => {
    const entities = ['--entities', 'invoices,customers,items'];
    const args = ['enqueue', '--windows', 'day', ...entities, ...RANGE, ...START];
    const text = await runCli(args, env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^run r\d{14}-[0-9a-f]{6} for realm \d+: 93 windows \(one job each\) for 93 entity-days enqueued\nstarts at 2099-02-01T15:30:00Z = 2099-02-01 10:30 America\/Guayaquil\n$/,
    );
    const [, runId, realmId] = /^run (\S+) for realm (\d+):/.exec(text.stdout) ?? [];
    const again = await runCli([...args, '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), {
      runId,
      realmId,
      jobs: 93,
      startAt: '2099-02-01T15:30:00Z',
      existing: true,
    });
    const c = await counts();
    assert.equal(c.runs, 1);
    assert.equal(c.jobs, 93);
    const delayed = await stores.queue.getDelayed(0, 0);
    const job = delayed[0];
    assert.ok(job && !String(job.id).includes(':'));
    assert.deepEqual(Object.keys(job.data as object).sort(), [
      'day',
      'entity',
      'pageSize',
      'realmId',
      'runId',
      'windowEnd',
      'windowStart',
    ]);
    const windows = await tdb.db
      .selectFrom('ops.windows')
      .select(['day', 'window_start_utc', 'window_end_utc'])
      .where('entity', '=', 'items')
      .orderBy('day')
      .execute();
    assert.equal(windows.length, 31);
    assert.equal(windows[0]?.day, '2026-01-01');
    assert.equal(windows[30]?.window_end_utc.toISOString(), '2026-02-01T00:00:00.000Z');

    // Once the run has ended, the same backfill starts a new run.
    const cancel = await runCli(['cancel', '--run', runId ?? ''], env);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(cancel.stdout.trim(), `run ${runId} cancelled: 93 job(s) removed, 93 window(s) cancelled`);
    assert.equal((await counts()).jobs, 0);
    const fresh = await runCli([...args, '--json'], env);
    const parsed = JSON.parse(fresh.stdout) as { runId: string; existing: boolean };
    assert.notEqual(parsed.runId, runId);
    assert.equal(parsed.existing, false);
  });
  it('enqueues one job per entity by default, over the whole range', async () => {
    const r = await runCli(
      ['enqueue', '--entities', 'invoices,items', ...RANGE, '--start-at', '2099-03-01T00:00:00Z', '--json'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const { runId, jobs } = JSON.parse(r.stdout) as { runId: string; jobs: number };
    assert.equal(jobs, 2);
    const windows = await tdb.db
      .selectFrom('ops.windows')
      .select(['entity', 'day', 'window_start_utc', 'window_end_utc', 'status'])
      .where('run_id', '=', runId)
      .orderBy('entity')
      .execute();
    const range = [new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z')];
    assert.deepEqual(windows, [
      {
        entity: 'invoices',
        day: '2026-01-01',
        window_start_utc: range[0],
        window_end_utc: range[1],
        status: 'pending',
      },
      {
        entity: 'items',
        day: '2026-01-01',
        window_start_utc: range[0],
        window_end_utc: range[1],
        status: 'pending',
      },
    ]);
    const run = await tdb.db
      .selectFrom('ops.runs')
      .select('windows_plan')
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    assert.equal(run.windows_plan, 'adaptive');
  });

  describe('several realms in one command', () => {
    // Day windows, so each realm's plan shows in its job count (2 entities x 10 days).
    const range = [
      '--windows',
      'day',
      '--entities',
      'invoices,items',
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-10',
    ];
    const startAt = ['--start-at', '2099-03-01T00:00:00Z'];
    /** Every JSON line of the output, parsed. */
    const lines = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const runsOf = (realms: string[]) =>
      tdb.db
        .selectFrom('ops.runs')
        .select(['run_id', 'realm_id'])
        .where('realm_id', 'in', realms)
        .orderBy('created_at')
        .execute();

    it('comma-separated and repeated: one run per realm, one JSON line each, idempotent per realm', async () => {
      const realms = ['4620101', '4620102', '4620103'];
      const before = await counts();
      const r = await runCli(
        ['enqueue', ...range, ...startAt, '--realm', '4620101,4620102', '--realm', '4620103', '--json'],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      const first = lines(r.stdout);
      // 2 entities x 10 days each (--to is inclusive).
      assert.deepEqual(
        first.map(({ realmId, jobs, startAt: at, existing }) => ({ realmId, jobs, startAt: at, existing })),
        realms.map((realmId) => ({ realmId, jobs: 20, startAt: '2099-03-01T00:00:00Z', existing: false })),
      );
      const runs = await runsOf(realms);
      assert.deepEqual(
        runs.map((run) => [run.run_id, run.realm_id]),
        first.map((l) => [l.runId, l.realmId]),
      );
      assert.deepEqual(await counts(), { runs: before.runs + 3, jobs: before.jobs + 60 });

      // Again, with one realm given twice and a new one: the live runs come back as they are, the
      // new realm gets its own run, and no realm is planned twice.
      const again = await runCli(
        [
          'enqueue',
          ...range,
          ...startAt,
          '--realm',
          '4620103,4620101',
          '--realm',
          '4620104,4620103',
          '--json',
        ],
        env,
      );
      assert.equal(again.code, 0, again.stderr);
      const second = lines(again.stdout);
      assert.deepEqual(
        second.map(({ realmId, existing }) => [realmId, existing]),
        [
          ['4620103', true],
          ['4620101', true],
          ['4620104', false],
        ],
      );
      assert.deepEqual(
        second.slice(0, 2).map((l) => l.runId),
        [first[2]?.runId, first[0]?.runId],
      );
      assert.deepEqual(await counts(), { runs: before.runs + 4, jobs: before.jobs + 80 });
    });

    it('prints one block per realm, each naming its realm', async () => {
      const r = await runCli(['enqueue', ...range, ...startAt, '--realm', '4620105,4620106'], env);
      assert.equal(r.code, 0, r.stderr);
      const [a, b] = await runsOf(['4620105', '4620106']);
      assert.equal(
        r.stdout,
        [
          `run ${a?.run_id} for realm 4620105: 20 windows (one job each) for 20 entity-days enqueued`,
          'starts at 2099-03-01T00:00:00Z = 2099-02-28 19:00 America/Guayaquil',
          `run ${b?.run_id} for realm 4620106: 20 windows (one job each) for 20 entity-days enqueued`,
          'starts at 2099-03-01T00:00:00Z = 2099-02-28 19:00 America/Guayaquil',
          '',
        ].join('\n'),
      );
    });

    it('--dry-run plans every realm and records nothing', async () => {
      const before = await counts();
      const json = await runCli(
        ['enqueue', ...range, '--realm', '4620107,4620108', '--dry-run', '--json'],
        env,
      );
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(
        lines(json.stdout).map(({ runId, realmId, jobs, dryRun }) => ({ runId, realmId, jobs, dryRun })),
        [
          { runId: null, realmId: '4620107', jobs: 20, dryRun: true },
          { runId: null, realmId: '4620108', jobs: 20, dryRun: true },
        ],
      );
      const text = await runCli(
        ['enqueue', ...range, '--realm', '4620107', '--realm', '4620108', '--dry-run'],
        env,
      );
      assert.equal(text.code, 0, text.stderr);
      const out = text.stdout.split('\n');
      assert.equal(out[0], 'dry run: nothing was recorded or enqueued');
      assert.deepEqual(
        out.filter((l) => l.startsWith('would enqueue')),
        [
          'would enqueue 20 windows (one job each) for realm 4620107: invoices, items x 10 UTC days',
          'would enqueue 20 windows (one job each) for realm 4620108: invoices, items x 10 UTC days',
        ],
      );
      assert.deepEqual(await counts(), before);
      assert.deepEqual(await runsOf(['4620107', '4620108']), []);
    });

    it('refuses them all when one has no refresh token, naming each realm without one', async () => {
      const sandbox = sandboxOf111(env);
      const before = await counts();
      const one = await runCli(['enqueue', ...range, '--realm', '111,222'], sandbox);
      assert.equal(one.code, 2);
      assert.equal(
        one.stderr.trim(),
        'qbo-backfill enqueue: realm 222 has no refresh token in the token store; store one with: qbo-backfill auth set --realm 222',
      );
      const two = await runCli(['enqueue', ...range, '--realm', '333,111', '--realm', '222'], sandbox);
      assert.equal(two.code, 2);
      assert.equal(
        two.stderr.trim(),
        'qbo-backfill enqueue: realms 333, 222 have no refresh token in the token store; store one for each with: qbo-backfill auth set --realm ID',
      );
      assert.deepEqual(await counts(), before);
      assert.deepEqual(await runsOf(['111', '222', '333']), []);
    });
  });
});
