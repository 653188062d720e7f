import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRun, seededWindow, type TestDatabase } from '../helpers/db.js';
import { commandStores, type CommandStores } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';

const NOW = new Date('2026-03-01T12:00:00Z');

/** `status` as a person reads it: the newest runs, when each ran and what it brought. */
void describe('qbo-backfill status', () => {
  let stores: CommandStores | undefined;
  let tdb: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    stores = await commandStores('status');
    ({ tdb, env } = stores);
    const run = seededRun(
      '4620816365',
      ['invoices', 'customers'],
      '2026-01-01T00:00:00Z',
      '2026-01-03T00:00:00Z',
    );
    // 24 finished runs, one a minute, each five minutes long; then one that waits for its start.
    const finished = Array.from({ length: 24 }, (_, i) => {
      const start = new Date(Date.parse('2026-02-01T00:00:00Z') + i * 60_000);
      return {
        ...run,
        run_id: `r-${String(i).padStart(2, '0')}`,
        dedupe_key: `k${i}`,
        status: 'succeeded' as const,
        start_at_utc: start,
        created_at: start,
        finished_at: new Date(start.getTime() + 300_000),
      };
    });
    await tdb.db
      .insertInto('ops.runs')
      .values([
        ...finished,
        {
          ...run,
          run_id: 'r-waiting',
          dedupe_key: 'w',
          status: 'scheduled',
          start_at_utc: new Date(NOW.getTime() + 88_000),
          created_at: NOW,
        },
      ])
      .execute();
    await tdb.db
      .insertInto('ops.windows')
      .values(
        [...finished.map((r) => r.run_id), 'r-waiting'].flatMap((runId) =>
          ['invoices', 'customers'].flatMap((entity) =>
            ['2026-01-01', '2026-01-02'].map((day) => ({
              ...seededWindow(runId, entity, day),
              status: runId === 'r-waiting' ? ('pending' as const) : ('succeeded' as const),
              rows_fetched: runId === 'r-waiting' ? 0 : 19,
              requests: runId === 'r-waiting' ? 0 : 1,
            })),
          ),
        ),
      )
      .execute();
  });

  after(async () => {
    await stores?.close();
  });

  void it('lists the newest 20 runs, says how to see more, and gives each its timing, windows, entity-days and rows', async () => {
    const r = await runCli(['status'], env, { now: () => NOW });
    assert.equal(r.code, 0, r.stderr);
    const ids = [...r.stdout.matchAll(/^(r-\S+) {2}\S+/gm)].map((m) => m[1]);
    assert.deepEqual(ids, [
      'r-waiting',
      ...Array.from({ length: 19 }, (_, i) => `r-${String(23 - i).padStart(2, '0')}`),
    ]);
    assert.match(r.stdout, /^the newest 20 runs \(qbo-backfill status --limit N shows more\)$/m);
    const block = r.stdout.split('\n\n').find((b) => b.includes('r-23  succeeded')) ?? '';
    assert.match(
      block,
      /started 2026-02-01T00:23:00Z = 2026-01-31 19:23 America\/Guayaquil; ended 2026-02-01T00:28:00Z, took 5m 0s/,
    );
    assert.match(block, /windows: 4 of 4 done \(succeeded 4\), for 4 entity-days; 76 rows/);
    assert.match(block, /QBO requests: 4; the day plan needed at least 4 /);
    assert.doesNotMatch(block, /so far/);
    const waiting = r.stdout.split('\n\n').find((b) => b.includes('r-waiting')) ?? '';
    assert.match(waiting, /starts 2026-03-01T12:01:28Z = .*, in 1m 28s/);
    assert.match(waiting, /windows: 0 of 4 done \(pending 4\), for 4 entity-days; 0 rows/);
    assert.match(waiting, /QBO requests: 0 so far; the day plan needs/);
  });

  void it('--limit shows more, and none is cut then', async () => {
    const r = await runCli(['status', '--limit', '100'], env, { now: () => NOW });
    assert.equal(r.code, 0, r.stderr);
    assert.equal([...r.stdout.matchAll(/^r-\S+ {2}\S+/gm)].length, 25);
    assert.doesNotMatch(r.stdout, /the newest/);
    const json = await runCli(['status', '--limit', '3', '--json'], env, { now: () => NOW });
    const runs = JSON.parse(json.stdout) as { runId: string; rowsFetched: number; entityDays: number }[];
    assert.deepEqual(
      runs.map((x) => [x.runId, x.rowsFetched, x.entityDays]),
      [
        ['r-waiting', 0, 4],
        ['r-23', 76, 4],
        ['r-22', 76, 4],
      ],
    );
  });
});
