import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { startEmulator } from '@qbo-backfill/emulator';
import type { Config } from '../../src/config/config.js';
import { ENTITIES as REGISTRY } from '../../src/model/entities.js';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { resumeRun } from '../../src/backfill/runs/resume.js';
import type { RunningWorker, WorkerProcessOptions } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorStats, fetchTruth, rawIds, waitForRunEnd } from '../helpers/backfill.js';
import { waitFor } from '../helpers/cli.js';
import { within } from '../helpers/within.js';
import { startWorkers as startInProcessWorkers, workerConfig } from '../helpers/in-process-workers.js';

// The entities this scenario backfills (every entity is covered by every-entity.test.ts).
const ENTITIES = REGISTRY.filter((e) => ['invoices', 'customers', 'items'].includes(e.name));

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const SEED = 4242;

/**
 * Faults of every kind against in-process workers (separate BullMQ workers, pools and Redis
 * connections, as separate processes would have), each ending with raw equal to the emulator's truth.
 */
describe('resilience', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Emulator | undefined;
  let queue: Queue<WindowJobData>;
  let workers: RunningWorker[] = [];

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('res');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.close()));
    workers = [];
    await emulator?.close();
    emulator = undefined;
  });
  after(async () => {
    await queue.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  /** A fresh emulator; the token store forgets the previous one's tokens. */
  async function freshEmulator(
    config: Record<string, unknown> = {},
  ): Promise<{ emu: Emulator; config: Config; realmId: string }> {
    emulator = await startEmulator({ port: 0, seed: SEED, config });
    await tdb.db.deleteFrom('ops.tokens').execute();
    const realmId = emulator.realmIds[0] as string;
    return { emu: emulator, config: workerConfig(emulator, { tdb, prefix }, realmId), realmId };
  }

  /** In-process workers with short backoffs, so faults are retried within the test. */
  function startWorkers(config: Config, n: number, extra: Partial<WorkerProcessOptions> = {}): void {
    workers.push(
      ...startInProcessWorkers(config, n, {
        client: {
          serverBackoff: { baseMs: 20, capMs: 200 },
          throttleBackoff: { baseMs: 100, capMs: 1_000 },
        },
        lockDurationMs: 10_000,
        ...extra,
      }),
    );
  }

  async function enqueue(
    realmId: string,
    from: string,
    to: string,
    pageSize: number,
    attempts = 3,
  ): Promise<string> {
    const plan = planBackfill({
      windows: 'day',
      realmId,
      entities: ENTITIES.map((e) => e.name),
      from: new Date(from),
      to: new Date(to),
      startAt: new Date(),
      pageSize,
    });
    const run = await enqueueBackfill(tdb.db, queue, plan, new Date(), {
      attempts,
      backoff: { type: 'fixed', delay: 200 },
    });
    return run.runId;
  }

  async function assertRawEqualsTruth(
    emu: Emulator,
    realmId: string,
    from: string,
    to: string,
  ): Promise<number> {
    let total = 0;
    for (const entity of ENTITIES) {
      const truth = await fetchTruth(emu.url, realmId, entity.name, new Date(from), new Date(to));
      const stored = await rawIds(tdb.db, entity.name, realmId, new Date(from), new Date(to));
      assert.deepEqual(stored, [...truth.ids].sort(), `${entity.name} ${from}..${to}`);
      total += truth.count;
    }
    assert.ok(total > 0);
    return total;
  }

  async function windowCounts(runId: string): Promise<Record<string, number>> {
    const rows = await tdb.db
      .selectFrom('ops.windows')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('run_id', '=', runId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /**
   * The run's window counts once every window has ended. Waiting for the queue's active, waiting
   * and prioritized jobs was not enough: a window between two attempts sits in BullMQ's delayed set,
   * still pending, and is skipped only when its retry comes due.
   */
  async function settledWindowCounts(runId: string): Promise<Record<string, number>> {
    let counts: Record<string, number> = {};
    await waitFor(
      async () => {
        counts = await windowCounts(runId);
        return counts.pending === undefined && counts.running === undefined ? true : undefined;
      },
      30_000,
      'every window of the run to end',
    );
    return counts;
  }

  it('a 429 storm, server errors, dropped connections and truncated bodies end with raw equal to truth', async () => {
    // The emulator allows 5 requests a second while the client paces at 8: 429s all the way.
    const { emu, config, realmId } = await freshEmulator({
      requestsPerMinute: 5,
      windowMs: 1_000,
      serverErrorRate: 0.15,
      dropRate: 0.05,
      truncateRate: 0.05,
    });
    startWorkers(config, 2);
    const runId = await enqueue(realmId, '2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z', 4);
    assert.equal(await waitForRunEnd(tdb.db, runId, 240_000), 'succeeded');
    await assertRawEqualsTruth(emu, realmId, '2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z');
    const stats = (await emulatorStats(emu.url)).realms[realmId];
    assert.ok((stats?.requests['429'] ?? 0) > 0, `429s happened: ${JSON.stringify(stats)}`);
    assert.ok(
      (stats?.requests['500'] ?? 0) + (stats?.requests['503'] ?? 0) > 0,
      `5xx happened: ${JSON.stringify(stats)}`,
    );
  });

  it('access tokens expiring mid-run and a refresh token rotated on every refresh end with raw equal to truth', async () => {
    const { emu, config, realmId } = await freshEmulator({
      accessTokenTtlSeconds: 2,
      rotateRefreshTokenAfterSeconds: 0,
      refreshTokenGraceSeconds: 0,
      latencyMs: [20, 60],
    });
    startWorkers(config, 3);
    const runId = await enqueue(realmId, '2026-04-01T00:00:00Z', '2026-04-11T00:00:00Z', 3);
    assert.equal(await waitForRunEnd(tdb.db, runId, 240_000), 'succeeded');
    await assertRawEqualsTruth(emu, realmId, '2026-04-01T00:00:00Z', '2026-04-11T00:00:00Z');
    const stats = await emulatorStats(emu.url);
    const tokenCalls = stats.token?.requests ?? {};
    assert.ok((tokenCalls['200'] ?? 0) >= 2, `refreshed more than once: ${JSON.stringify(tokenCalls)}`);
    // With a grace of 0 s any refresh with a superseded token would be invalid_grant: serialized, none is.
    assert.equal(tokenCalls['400'] ?? 0, 0, JSON.stringify(tokenCalls));
    const row = await tdb.db
      .selectFrom('ops.tokens')
      .selectAll()
      .where('realm_id', '=', realmId)
      .executeTakeFirstOrThrow();
    assert.ok(row.refresh_count >= 2);
    assert.ok(!row.refresh_token_enc.includes(emu.refreshToken));
  });

  it('invalid_grant halts the run with the operator message, without a retry storm; resume after auth set completes it', async () => {
    const { emu, config, realmId } = await freshEmulator();
    await setRefreshToken(tdb.db, config.tokenEncryptionKey as Buffer, realmId, 'revoked-refresh-token');
    startWorkers(config, 2);
    const runId = await enqueue(realmId, '2026-05-01T00:00:00Z', '2026-05-06T00:00:00Z', 1000);
    assert.equal(await waitForRunEnd(tdb.db, runId, 60_000), 'halted');
    const run = await tdb.db
      .selectFrom('ops.runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    assert.equal(
      run.status_reason,
      `QBO rejected the refresh token for realm ${realmId} (invalid_grant): reconnect the app and store a new refresh token with: qbo-backfill auth set --realm ${realmId}`,
    );
    // Let every job drain: the rest end as skipped, none is retried.
    const counts = await settledWindowCounts(runId);
    assert.equal((counts.failed ?? 0) + (counts.skipped ?? 0), 15, JSON.stringify(counts));
    assert.ok((counts.failed ?? 0) >= 1);
    const tokenCalls = (await emulatorStats(emu.url)).token?.requests ?? {};
    assert.ok((tokenCalls['400'] ?? 0) <= 2, `no retry storm: ${JSON.stringify(tokenCalls)}`);
    assert.equal((await emulatorStats(emu.url)).realms[realmId]?.requests['200'] ?? 0, 0);

    await setRefreshToken(tdb.db, config.tokenEncryptionKey as Buffer, realmId, emu.refreshToken);
    await resumeRun(tdb.db, queue, runId);
    assert.equal(await waitForRunEnd(tdb.db, runId, 120_000), 'succeeded');
    await assertRawEqualsTruth(emu, realmId, '2026-05-01T00:00:00Z', '2026-05-06T00:00:00Z');
  });

  it('the circuit breaker halts a run after 3 consecutive failed windows; resume completes it', async () => {
    const { emu, config, realmId } = await freshEmulator({ serverErrorRate: 1 });
    // One job at a time, so failures are consecutive and counted exactly.
    startWorkers(config, 1, {
      concurrency: 1,
      client: { maxAttempts: 2, serverBackoff: { baseMs: 10, capMs: 20 } },
    });
    const runId = await enqueue(realmId, '2026-06-01T00:00:00Z', '2026-06-06T00:00:00Z', 1000, 1);
    assert.equal(await waitForRunEnd(tdb.db, runId, 60_000), 'halted');
    const counts = await settledWindowCounts(runId);
    const run = await tdb.db
      .selectFrom('ops.runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    assert.equal(
      run.status_reason,
      `circuit breaker: 3 consecutive windows failed; fix the cause, then: qbo-backfill resume --run ${runId}`,
    );
    assert.deepEqual(counts, { failed: 3, skipped: 12 });
    const failed = await tdb.db
      .selectFrom('ops.windows')
      .select('error')
      .where('run_id', '=', runId)
      .where('status', '=', 'failed')
      .execute();
    for (const w of failed) assert.match(w.error ?? '', /^HTTP 50[03] /);

    emu.setConfig({ serverErrorRate: 0 });
    const resumed = await resumeRun(tdb.db, queue, runId);
    assert.equal(resumed.requeued, 15);
    assert.equal(await waitForRunEnd(tdb.db, runId, 120_000), 'succeeded');
    await assertRawEqualsTruth(emu, realmId, '2026-06-01T00:00:00Z', '2026-06-06T00:00:00Z');
  });

  it('a worker shut down mid-window releases its jobs, and the next one resumes after the last committed page', async () => {
    const { emu, config, realmId } = await freshEmulator({ latencyMs: 150 });
    startWorkers(config, 1, { concurrency: 2 });
    const runId = await enqueue(realmId, '2026-07-01T00:00:00Z', '2026-07-04T00:00:00Z', 3);
    await waitFor(
      async () => {
        const r = await tdb.db
          .selectFrom('ops.windows')
          .select('committed_pages')
          .where('run_id', '=', runId)
          .where('committed_pages', '>', 0)
          .executeTakeFirst();
        return r ? true : undefined;
      },
      30_000,
      'a committed page',
      50,
    );
    await within(Promise.all(workers.map((w) => w.close())), 60_000, 'the workers to shut down');
    workers = [];
    const midway = await tdb.db
      .selectFrom('ops.windows')
      .select(['status'])
      .where('run_id', '=', runId)
      .execute();
    assert.ok(
      midway.every((w) => w.status !== 'running'),
      'no window is left running',
    );
    assert.ok(
      midway.some((w) => w.status === 'pending'),
      'unfinished windows went back to pending',
    );

    startWorkers(config, 1, { concurrency: 2 });
    assert.equal(await waitForRunEnd(tdb.db, runId, 120_000), 'succeeded');
    const total = await assertRawEqualsTruth(emu, realmId, '2026-07-01T00:00:00Z', '2026-07-04T00:00:00Z');
    // No page was read twice: with pages of 3 that overlap by one row, n records take
    // floor((n - 1) / 2) + 1 pages (one page when n < 3).
    const windows = await tdb.db.selectFrom('ops.windows').selectAll().where('run_id', '=', runId).execute();
    let inserted = 0;
    for (const w of windows) {
      const n = w.source_count ?? 0;
      const expected = n < 3 ? 1 : Math.floor((n - 1) / 2) + 1;
      assert.equal(w.pages, expected, `${w.entity} ${w.day}: ${w.pages} pages for ${n} records`);
      assert.equal(w.rows_fetched, n, `${w.entity} ${w.day}: each record counted once`);
      inserted += w.inserted;
    }
    assert.equal(inserted, total);
  });
});
