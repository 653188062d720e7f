import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { ManualClock, startEmulator } from '@qbo-backfill/emulator';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { spawnCli, waitFor, type CliProcess } from '../helpers/cli.js';
import { within } from '../helpers/within.js';
import { emulatorEnv } from '../helpers/backfill.js';

/** `qbo-backfill worker` on SIGTERM: finish the page in hand, release the job, exit 0; a second signal exits at once. */
describe('worker shutdown', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue<WindowJobData>;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let env: Record<string, string>;
  let runId: string;
  // The emulator's clock moves only when a test says so: a page stays in flight until then.
  const clock = new ManualClock(Date.parse('2026-06-15T12:00:00Z'));

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('stop');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    // Answers wait out 2.5 s of the emulator's clock: a page stays in flight while the signals
    // arrive. A busy day of the large profile takes several pages of 100.
    emulator = await startEmulator({
      port: 0,
      seed: 5,
      profile: 'large',
      clock,
      config: { latencyMs: 2_500 },
    });
    const realmId = emulator.realmIds[0] as string;
    env = emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId);
    const plan = planBackfill({
      windows: 'day',
      realmId,
      entities: ['invoices'],
      from: new Date('2025-02-01T00:00:00Z'),
      to: new Date('2025-02-02T00:00:00Z'),
      startAt: new Date(),
      pageSize: 100,
    });
    runId = (await enqueueBackfill(tdb.db, queue, plan)).runId;
  });
  after(async () => {
    await queue.close();
    await deletePrefix(prefix);
    await emulator.close();
    await tdb.drop();
  });

  const windowRow = () =>
    tdb.db.selectFrom('ops.windows').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
  // The window is `running` before its first request leaves (token, budget): a signal then finds
  // no page in flight. Wait until the emulator holds the request in its latency.
  const whenPageInFlight = async () => {
    await waitFor(
      async () => ((await windowRow()).status === 'running' ? true : undefined),
      30_000,
      'the window to start',
      50,
    );
    await within(clock.untilSleeping(1), 30_000, 'a page request held in its latency');
  };
  const whenSignalled = (worker: CliProcess) =>
    waitFor(
      () => Promise.resolve(worker.output().includes('signal received: shutting down') ? true : undefined),
      30_000,
      'the worker to take the signal',
      20,
    );

  it('SIGTERM lets the page in flight commit, puts the job back, and exits 0', async () => {
    const worker = spawnCli(['worker'], env);
    await whenPageInFlight();
    worker.signal('SIGTERM');
    await whenSignalled(worker);
    clock.advance(2_500); // only now does the page in flight get its answer
    const code = await worker.exited;
    assert.equal(code, 0, worker.output().slice(-2000));
    const w = await windowRow();
    assert.equal(w.status, 'pending');
    assert.equal(w.committed_pages, 1, 'the page in flight was committed, not thrown away');
    const job = await queue.getJob(w.job_id ?? '');
    assert.ok(job && ['delayed', 'waiting'].includes(await job.getState()), 'the job is back in the queue');
    assert.equal(job?.attemptsMade ?? -1, 0, 'releasing on shutdown uses no attempt');
  });

  it('a second signal exits at once with code 1', async () => {
    const worker = spawnCli(['worker'], env);
    await whenPageInFlight();
    worker.signal('SIGTERM');
    await whenSignalled(worker);
    worker.signal('SIGINT');
    // The clock never moves again: had the worker waited for the page in flight, it would not exit.
    const code = await within(worker.exited, 30_000, 'the worker to exit');
    assert.equal(code, 1);
    assert.equal(clock.sleeping, 1, 'the page was still in flight when it exited');
  });
});
