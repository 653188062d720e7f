import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { startWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorEnv, emulatorStats, waitForRunEnd } from '../helpers/backfill.js';
import { runCli } from '../helpers/cli.js';

/** The retry policy is configuration: QBO_REQUEST_ATTEMPTS, WINDOW_ATTEMPTS and WINDOW_BACKOFF_MS reach the work. */
describe('retry settings', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue<WindowJobData>;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let env: Record<string, string>;
  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('retry');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    emulator = await startEmulator({ port: 0, seed: 5, config: { serverErrorRate: 1 } });
    env = emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, emulator.realmIds[0] as string);
  });
  after(async () => {
    await queue.close();
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('WINDOW_ATTEMPTS and WINDOW_BACKOFF_MS become the window jobs’ attempts and backoff; QBO_REQUEST_ATTEMPTS bounds each request', async () => {
    const settings = { WINDOW_ATTEMPTS: '2', WINDOW_BACKOFF_MS: '50', QBO_REQUEST_ATTEMPTS: '3' };
    const r = await runCli(
      ['enqueue', '--entities', 'invoices', '--from', '2026-01-01', '--to', '2026-01-01', '--json'],
      { ...env, ...settings },
    );
    assert.equal(r.code, 0, r.stderr);
    const { runId } = JSON.parse(r.stdout) as { runId: string };
    const [job] = await queue.getJobs(['delayed', 'waiting', 'prioritized']);
    assert.equal(job?.opts.attempts, 2);
    assert.deepEqual(job?.opts.backoff, { type: 'exponential', delay: 50, jitter: 0.5 });

    // Every request answers 5xx: 2 window attempts x 3 request attempts = 6 requests, then failed.
    const config = parseConfig({ ...env, ...settings, LOG_LEVEL: 'silent' });
    const worker = startWorker({
      config,
      logger: pino({ level: 'silent' }),
      concurrency: 1,
      client: { serverBackoff: { baseMs: 5, capMs: 10 } },
    });
    try {
      assert.equal(await waitForRunEnd(tdb.db, runId, 60_000), 'failed');
    } finally {
      await worker.close();
    }
    const requests =
      (await emulatorStats(emulator.url)).realms[emulator.realmIds[0] as string]?.requests ?? {};
    assert.equal((requests['500'] ?? 0) + (requests['503'] ?? 0), 6, JSON.stringify(requests));
  });
});
