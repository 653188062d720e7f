import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/free-port.js';
import { runCli } from '../helpers/cli.js';

/** Commands name the store they cannot reach, and where to look, instead of crashing or hanging. */
describe('a store out of reach, from the command line', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let closedPort: number;
  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('away');
    closedPort = await freePort();
  });
  after(async () => {
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('status and report say PostgreSQL is unreachable and which setting to check', async () => {
    const env = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${closedPort}/x`,
      QBO_ENVIRONMENT: 'emulator',
    };
    for (const argv of [['status'], ['report', '--run', 'r1']]) {
      const r = await runCli(argv, env);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr.trim(),
        `qbo-backfill ${argv[0]}: PostgreSQL unreachable (connect ECONNREFUSED 127.0.0.1:${closedPort}): check DATABASE_URL and that the server is up, then run the command again`,
      );
    }
  });

  it('enqueue says Redis is unreachable; run again once it is back, it adds the jobs to the same run', async () => {
    const args = [
      'enqueue',
      '--windows',
      'day',
      '--entities',
      'invoices',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-03',
      '--json',
    ];
    const env = { DATABASE_URL: tdb.url, QUEUE_PREFIX: prefix, QBO_ENVIRONMENT: 'emulator' };
    const away = await runCli(args, { ...env, REDIS_URL: `redis://127.0.0.1:${closedPort}` });
    assert.equal(away.code, 1, away.stderr);
    assert.match(
      away.stderr.trim(),
      /^qbo-backfill enqueue: Redis unreachable \(.+\): check REDIS_URL and that the server is up, then run the command again$/,
    );
    assert.equal(away.stderr.trim().split('\n').length, 1);

    const back = await runCli(args, { ...env, REDIS_URL: TEST_REDIS_URL });
    assert.equal(back.code, 0, back.stderr);
    const { runId, jobs } = JSON.parse(back.stdout) as { runId: string; jobs: number };
    assert.equal(jobs, 3);
    const runs = await tdb.db.selectFrom('ops.runs').select('run_id').execute();
    assert.deepEqual(
      runs.map((r) => r.run_id),
      [runId],
    );
    const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      assert.equal((await queue.getDelayedCount()) + (await queue.getWaitingCount()), 3);
    } finally {
      await queue.close();
    }
  });
});
