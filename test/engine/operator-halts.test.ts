import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { startEmulator } from '@qbo-backfill/emulator';
import type { Config } from '../../src/config/config.js';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import type { RunningWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorStats, waitForRunEnd } from '../helpers/backfill.js';
import { waitFor } from '../helpers/cli.js';
import { startWorkers, workerConfig } from '../helpers/in-process-workers.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/**
 * Errors only a person can fix halt the run at once, with one message saying what to do: no
 * window after the first few fails the same way, none is retried, and the circuit breaker is not
 * what stops the run.
 */
describe('errors that need a person halt the run at once', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue<WindowJobData>;
  let emulator: Emulator | undefined;
  let workers: RunningWorker[] = [];

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('halt');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.close()));
    workers = [];
    await emulator?.close();
    emulator = undefined;
    await tdb.db.deleteFrom('ops.tokens').execute();
  });
  after(async () => {
    await queue.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  async function haltedRun(
    emuOptions: Parameters<typeof startEmulator>[0],
    env: Record<string, string>,
    prepare: (
      emu: Emulator,
      config: Config,
      realmId: string,
    ) => Promise<string | void> | string | void = () => undefined,
  ): Promise<{ reason: string; counts: Record<string, number>; emu: Emulator; realmId: string }> {
    emulator = await startEmulator({ port: 0, seed: 11, ...emuOptions });
    const emu = emulator;
    const servedRealm = emu.realmIds[0] as string;
    const config = workerConfig(emu, { tdb, prefix }, servedRealm, env);
    const realmId = (await prepare(emu, config, servedRealm)) ?? servedRealm;
    workers.push(...startWorkers(config, 2));
    const plan = planBackfill({
      windows: 'day',
      realmId,
      entities: ['invoices', 'customers'],
      from: new Date('2026-05-01T00:00:00Z'),
      to: new Date('2026-05-11T00:00:00Z'),
      startAt: new Date(),
      pageSize: 100,
    });
    const run = await enqueueBackfill(tdb.db, queue, plan, new Date(), {
      attempts: 3,
      backoff: { type: 'fixed', delay: 100 },
    });
    assert.equal(await waitForRunEnd(tdb.db, run.runId, 60_000), 'halted');
    await waitFor(
      async () => ((await queue.getActiveCount()) + (await queue.getWaitingCount()) === 0 ? true : undefined),
      30_000,
      'queue to drain',
    );
    const row = await tdb.db
      .selectFrom('ops.runs')
      .select(['status_reason', 'consecutive_failures'])
      .where('run_id', '=', run.runId)
      .executeTakeFirstOrThrow();
    const windows = await tdb.db
      .selectFrom('ops.windows')
      .select(['status', 'attempts'])
      .where('run_id', '=', run.runId)
      .execute();
    const counts: Record<string, number> = {};
    for (const w of windows) counts[w.status] = (counts[w.status] ?? 0) + 1;
    // Never retried: a window that failed did so on its first attempt.
    assert.ok(
      windows.every((w) => w.attempts <= 1),
      JSON.stringify(windows),
    );
    // Not the breaker: the halt came from the first failure.
    assert.ok(row.consecutive_failures < 3, `breaker count ${row.consecutive_failures}`);
    assert.equal((counts.failed ?? 0) + (counts.skipped ?? 0), 20, JSON.stringify(counts));
    return { reason: row.status_reason ?? '', counts, emu, realmId };
  }

  it('invalid_client: a wrong client secret', async () => {
    const { reason, counts, emu } = await haltedRun(
      { clientSecret: 'the-secret-qbo-knows' },
      {
        QBO_CLIENT_SECRET: 'a-secret-qbo-does-not-know',
      },
    );
    assert.match(
      reason,
      /^token refresh for realm \d+ failed: HTTP 401 \(invalid_client\): QBO rejected the app's credentials; check QBO_CLIENT_ID and QBO_CLIENT_SECRET$/,
    );
    // Only the windows already running (2 workers x 3 jobs) fail; the other 14 are skipped.
    assert.ok((counts.failed ?? 0) <= 6, JSON.stringify(counts));
    // One refusal per worker process: it never sends the refused credentials again.
    const tokenCalls = (await emulatorStats(emu.url)).token?.requests ?? {};
    assert.ok((tokenCalls['401'] ?? 0) <= 2, JSON.stringify(tokenCalls));
  });

  it('a stored token that cannot be decrypted: the wrong TOKEN_ENCRYPTION_KEY', async () => {
    const { reason, emu, realmId } = await haltedRun({}, {}, async (_emu, _config, realm) => {
      const otherKey = createHash('sha256').update('the key the token was stored with, long ago').digest();
      await setRefreshToken(tdb.db, otherKey, realm, 'a-token-stored-with-another-key');
    });
    assert.equal(
      reason,
      `stored tokens of realm ${realmId} cannot be decrypted (stored tokens cannot be decrypted with this TOKEN_ENCRYPTION_KEY): ` +
        `set TOKEN_ENCRYPTION_KEY to the key they were stored with, or store a new refresh token with: qbo-backfill auth set --realm ${realmId}`,
    );
    assert.deepEqual((await emulatorStats(emu.url)).token?.requests ?? {}, {});
  });

  it('403 code 3100: the app is not authorized (often sandbox against production)', async () => {
    const unknownRealm = '4620816365000000001';
    const { reason } = await haltedRun({}, {}, () => unknownRealm);
    assert.match(
      reason,
      new RegExp(
        `^HTTP 403 code 3100 message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403 \\(.*\\): ` +
          'the app is not authorized: most often a sandbox token used against production or the reverse ' +
          '\\(check QBO_ENVIRONMENT and QBO_BASE_URL\\), or a missing scope \\(intuit_tid [^)]+\\)$',
      ),
    );
  });

  it('403 code 3201: the app is not authorized for that company', async () => {
    let realm = '';
    const { reason } = await haltedRun({}, {}, (emu, _config, served) => {
      realm = served;
      emu.setConfig({ unauthorizedRealms: [served] });
    });
    assert.equal(
      reason.replace(/ \(intuit_tid [^)]+\)$/, ''),
      `HTTP 403 code 3201 message=AuthorizationFailure; errorCode=003201; statusCode=403 (The application is not authorized to access company ${realm}): ` +
        `the app is not authorized for company ${realm}: reconnect the app to it and store its refresh token with: qbo-backfill auth set --realm ${realm}`,
    );
  });
});
