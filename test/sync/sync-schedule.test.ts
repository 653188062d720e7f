import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { createSyncQueue } from '../../src/sync/sync-queue.js';
import { startCycle } from '../../src/sync/sync-state.js';
import { startWorker, type RunningWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli, waitFor } from '../helpers/cli.js';
import { emulatorEnv } from '../helpers/backfill.js';
import { seedSyncMark } from '../helpers/sync.js';

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** `sync --every` and `--off`: one BullMQ job scheduler per realm, its cycles run by the workers. */
describe('sync schedules', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let env: Record<string, string>;
  let realmId: string;
  let worker: RunningWorker;
  let queue: ReturnType<typeof createSyncQueue>;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('sync-every');
    emulator = await startEmulator({ port: 0, seed: 55 });
    realmId = emulator.realmIds[0] as string;
    env = { ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId), LOG_LEVEL: 'silent' };
    queue = createSyncQueue({ url: TEST_REDIS_URL }, prefix);
    // Invoices synced up to an hour ago (as a backfill's hand-over would leave them).
    await seedSyncMark(tdb.db, realmId, 'invoices');
  });
  after(async () => {
    await worker?.close();
    await queue.close();
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('refuses bad input with one line and exit 2', async () => {
    const cases: [string[], string][] = [
      [['sync', '--realm', realmId], 'say one of --once, --every DURATION or --off; usage: '],
      [
        ['sync', '--realm', realmId, '--once', '--off'],
        'say one of --once, --every DURATION or --off; usage: ',
      ],
      [['sync', '--realm', realmId, '--every', '15m', '--json'], '--json goes with --once'],
      [
        ['sync', '--realm', realmId, '--every', '5s'],
        '--every: expected a duration such as 90s, 10m or 1h, from 10 s to 24 h, got "5s"',
      ],
      [['sync', '--realm', 'abc', '--once'], '--realm: expected a numeric company (realm) id, got "abc"'],
      [
        ['sync', '--realm', realmId, '--entities', 'bills', '--once'],
        `realm ${realmId}: bills never backfilled and nothing in raw: backfill first: qbo-backfill enqueue --realm ${realmId} --entities ENTITIES --from DATE --to DATE`,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, args.join(' '));
      assert.ok(r.stderr.startsWith(`qbo-backfill sync: ${message}`), `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal((await queue.getJobSchedulers()).length, 0);
    assert.equal(await queue.count(), 0);
  });

  it('--every installs one scheduler per realm whose cycles the workers run; --off removes it', async () => {
    const every = await runCli(['sync', '--realm', realmId, '--entities', 'invoices', '--every', '10m'], env);
    assert.equal(every.code, 0, every.stderr);
    assert.match(
      every.stdout,
      new RegExp(`^realm ${realmId} syncs every 10m \\(invoices\\); first cycle now \\(`),
    );
    // Again, with another period: still one scheduler, with the new period.
    assert.equal(
      (await runCli(['sync', '--realm', realmId, '--entities', 'invoices', '--every', '15m'], env)).code,
      0,
    );
    const schedulers = await queue.getJobSchedulers();
    assert.deepEqual(
      schedulers.map((s) => [s.key, s.every]),
      [[`sync.${realmId}`, 900_000]],
    );
    const realm = await tdb.db.selectFrom('ops.sync_realms').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([realm.every_ms, realm.entities], [900_000, ['invoices']]);

    worker = startWorker({ config: parseConfig(env), logger: silent, concurrency: 1 });
    const cycle = await waitFor(
      () =>
        tdb.db
          .selectFrom('ops.sync_cycles')
          .selectAll()
          .where('trigger', '=', 'schedule')
          .where('status', '=', 'succeeded')
          .executeTakeFirst(),
      60_000,
      'a scheduled cycle',
    );
    assert.equal(cycle.realm_id, realmId);

    const off = await runCli(['sync', '--realm', realmId, '--off'], env);
    assert.deepEqual([off.code, off.stdout], [0, `realm ${realmId}: sync schedule removed\n`]);
    assert.equal((await queue.getJobSchedulers()).length, 0);
    const again = await runCli(['sync', '--realm', realmId, '--off'], env);
    assert.deepEqual([again.code, again.stdout], [0, `realm ${realmId} had no sync schedule\n`]);
    const cleared = await tdb.db.selectFrom('ops.sync_realms').select('every_ms').executeTakeFirstOrThrow();
    assert.equal(cleared.every_ms, null);
  });

  it('holds a realm for one cycle at a time: a second finds it busy until the first ends', async () => {
    const first = await startCycle(tdb.db, { realmId: '777001', cycleId: 'c1', trigger: 'once' });
    assert.ok('lease' in first);
    assert.deepEqual(await startCycle(tdb.db, { realmId: '777001', cycleId: 'c2', trigger: 'webhook' }), {
      busyWith: 'c1',
    });
    // The first cycle's own job, run again after its worker died, takes it over at once.
    const again = await startCycle(tdb.db, { realmId: '777001', cycleId: 'c1', trigger: 'once' });
    assert.ok('lease' in again && Number(again.lease) === Number(first.lease) + 1);
  });
});
