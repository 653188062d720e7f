/**
 * The drills: each a real backfill by several worker processes against real PostgreSQL and Redis
 * and the emulator over HTTP, with one production fault injected mid-run. Each ends with every
 * window succeeded and raw equal to the truth (DrillCluster.expectComplete) and returns its figures.
 */
import assert from 'node:assert/strict';
import { setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { resumeRun } from '../../src/backfill/runs/resume.js';
import { encryptionKey } from '../../src/config/config.js';
import { EMULATOR_DEVELOPMENT_VALUES } from '../../src/config/qbo-environments.js';
import { Queue } from 'bullmq';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { DrillCluster } from './cluster.js';

const FROM = '2026-03-01T00:00:00Z';
const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long the frozen-worker drill stops its worker: three times the drill workers' lock. */
const FROZEN_MS = 15_000;

export type Figures = object;

/** How big a drill is: `npm run test:drills` runs FULL, the part of `npm test` runs QUICK. */
export interface DrillScale {
  /** Days of the drill's range, from 2026-03-01 (three entities a day). */
  days: number;
  /** How long the PostgreSQL restart drill keeps the server down. */
  pgDownMs: number;
}
export const FULL: DrillScale = { days: 14, pgDownMs: 15_000 };
export const QUICK: DrillScale = { days: 7, pgDownMs: 5_000 };

export interface Drill {
  name: string;
  run(scale?: DrillScale): Promise<Figures>;
}

/** Starts a cluster over the scale's range, runs `body`, always tears the cluster down. */
async function withCluster(
  scale: DrillScale,
  options: Omit<Parameters<typeof DrillCluster.start>[0], 'from' | 'to'>,
  body: (c: DrillCluster) => Promise<Figures>,
): Promise<Figures> {
  const to = new Date(Date.parse(FROM) + scale.days * DAY_MS).toISOString();
  const c = await DrillCluster.start({ ...options, from: FROM, to });
  try {
    return await body(c);
  } finally {
    await c.destroy();
  }
}

/** Enqueues the drill's range and waits until `pages` pages are committed: the run is under way. */
async function startRun(c: DrillCluster, pages = 3): Promise<{ runId: string; startedAt: number }> {
  const startedAt = Date.now();
  const runId = await c.enqueue();
  await c.until(async () => (await c.committedPages(runId)) >= pages, 60_000, 'the run to be under way');
  return { runId, startedAt };
}

/** Outage lines per worker: one when the store goes away, one when it is back, never one per attempt. */
function outageLines(c: DrillCluster, store: 'PostgreSQL' | 'Redis') {
  const away = c.workers.map((w) => w.output.filter((l) => l.includes(`${store} unreachable`)).length);
  const back = c.workers.map((w) => w.output.filter((l) => l.includes(`${store} is back`)).length);
  return { away, back };
}

export const DRILLS: Drill[] = [
  {
    name: 'kill -9 of a worker mid-page',
    run: (scale = FULL) =>
      withCluster(scale, { emulator: { latencyMs: [80, 160] } }, async (c) => {
        const { runId, startedAt } = await startRun(c);
        c.workers[0]?.child.kill('SIGKILL');
        const figures = await c.expectComplete(runId, startedAt);
        return { ...figures, killed: 1 };
      }),
  },
  {
    // A long GC pause, a suspended VM or a network partition: the worker stops mid-window for three
    // times its lock's duration (DRILL_LOCK_MS, 5 s), so its jobs stall and the others take its
    // windows over; then it runs again, in the middle of its reads. Its writes are fenced to the
    // lease it held: it must stop, once per job and quietly, and no window may count two reads.
    name: 'a worker frozen past its locks mid-window (SIGSTOP 15 s, then SIGCONT)',
    run: (scale = FULL) =>
      withCluster(
        scale,
        {
          profile: 'large',
          entities: ['invoices'],
          emulator: { latencyMs: [80, 160] },
          // Its windows stay with it between pages, so the freeze lands in the middle of reads.
          env: { DRILL_RELEASE_AFTER_MS: '600000' },
        },
        async (c) => {
          const pageSize = 100;
          const startedAt = Date.now();
          const runId = await c.enqueue(pageSize);
          await c.until(async () => (await c.committedPages(runId)) >= 20, 60_000, 'the run to be under way');
          const frozen = c.workers[0];
          assert.ok(frozen);
          frozen.child.kill('SIGSTOP');
          await sleep(FROZEN_MS);
          const pagesWhileFrozen = await c.committedPages(runId);
          frozen.child.kill('SIGCONT');
          const figures = await c.expectComplete(runId, startedAt);
          const counted = await c.expectExactCounters(runId, pageSize);
          const stopped = frozen.output.filter((l) => l.includes('window taken over by another attempt'));
          const failed = frozen.output.filter((l) => l.includes('"job failed"'));
          // The drill froze it mid-window: at least one of its windows was taken over and it found out.
          assert.ok(
            stopped.length >= 1,
            `the thawed worker stopped a taken-over job: ${frozen.output.slice(-8).join('\n')}`,
          );
          const jobs = stopped.map((l) => (JSON.parse(l) as { jobId: string }).jobId);
          assert.equal(new Set(jobs).size, jobs.length, 'one line per stale job');
          assert.deepEqual(failed, [], 'no stale job failed or was retried');
          return {
            ...figures,
            ...counted,
            frozenMs: FROZEN_MS,
            pagesWhileFrozen,
            staleJobsStopped: stopped.length,
            lockRenewalErrors: frozen.output.filter((l) => /renew lock|Missing lock/i.test(l)).length,
          };
        },
      ),
  },
  {
    name: 'SIGTERM to every worker, then new ones',
    run: (scale = FULL) =>
      withCluster(scale, { emulator: { latencyMs: [80, 160] } }, async (c) => {
        const { runId, startedAt } = await startRun(c);
        const stopping = Date.now();
        await c.stopWorkers('SIGTERM');
        const drainMs = Date.now() - stopping;
        assert.deepEqual(
          c.workers.map((w) => w.child.exitCode),
          [0, 0, 0],
          `every worker drained and exited 0: ${c.workers.map((w) => w.output.slice(-6).join('\n')).join('\n---\n')}`,
        );
        const running = await c.db
          .selectFrom('ops.windows')
          .select('status')
          .where('run_id', '=', runId)
          .where('status', '=', 'running')
          .execute();
        assert.equal(running.length, 0, 'no window left running');
        for (let i = 0; i < 3; i++) c.startWorker();
        const figures = await c.expectComplete(runId, startedAt);
        return { ...figures, drainMs };
      }),
  },
  {
    name: 'Redis restarted mid-run (down 8 s)',
    run: (scale = FULL) =>
      withCluster(scale, { ownRedis: true, emulator: { latencyMs: [80, 160] } }, async (c) => {
        const { runId, startedAt } = await startRun(c);
        await c.redis?.kill();
        await sleep(8_000);
        await c.redis?.restart();
        const figures = await c.expectComplete(runId, startedAt);
        const lines = outageLines(c, 'Redis');
        assert.deepEqual(lines, { away: [1, 1, 1], back: [1, 1, 1] }, 'one line per worker each way');
        return { ...figures, outageMs: 8_000, logLines: lines };
      }),
  },
  {
    name: 'PostgreSQL restarted mid-run (immediate stop)',
    run: (scale = FULL) =>
      withCluster(scale, { ownPostgres: true, emulator: { latencyMs: [80, 160] } }, async (c) => {
        const { runId, startedAt } = await startRun(c);
        await c.pg?.stop('immediate');
        await sleep(scale.pgDownMs);
        await c.pg?.restart();
        const figures = await c.expectComplete(runId, startedAt);
        const lines = outageLines(c, 'PostgreSQL');
        assert.ok(
          lines.away.every((n) => n <= 1),
          `one line per worker when it went away: ${JSON.stringify(lines)}`,
        );
        assert.ok(
          lines.away.some((n) => n === 1),
          'the outage was seen',
        );
        return { ...figures, outageMs: scale.pgDownMs, logLines: lines };
      }),
  },
  {
    name: 'PostgreSQL unreachable for 60 s (frozen: connections hang)',
    run: (scale = FULL) =>
      withCluster(scale, { ownPostgres: true, emulator: { latencyMs: [80, 160] } }, async (c) => {
        const { runId, startedAt } = await startRun(c);
        await c.pg?.freeze();
        await sleep(60_000);
        await c.pg?.thaw();
        const figures = await c.expectComplete(runId, startedAt);
        const lines = outageLines(c, 'PostgreSQL');
        assert.ok(
          lines.away.every((n) => n <= 1),
          JSON.stringify(lines),
        );
        return { ...figures, outageMs: 60_000, logLines: lines };
      }),
  },
  {
    name: 'access tokens expiring every 3 s',
    run: (scale = FULL) =>
      withCluster(scale, { emulator: { accessTokenTtlSeconds: 3, latencyMs: [40, 80] } }, async (c) => {
        const startedAt = Date.now();
        const runId = await c.enqueue();
        const figures = await c.expectComplete(runId, startedAt);
        assert.ok((figures.tokenCalls['200'] ?? 0) >= 2, JSON.stringify(figures.tokenCalls));
        assert.equal(figures.tokenCalls['400'] ?? 0, 0);
        return figures;
      }),
  },
  {
    name: 'refresh token rotated on every refresh, no grace, three workers',
    run: (scale = FULL) =>
      withCluster(
        scale,
        {
          emulator: {
            accessTokenTtlSeconds: 2,
            rotateRefreshTokenAfterSeconds: 0,
            refreshTokenGraceSeconds: 0,
            latencyMs: [40, 80],
          },
        },
        async (c) => {
          const startedAt = Date.now();
          const runId = await c.enqueue();
          const figures = await c.expectComplete(runId, startedAt);
          // With no grace, any refresh with a superseded token would be invalid_grant: none is.
          assert.equal(figures.tokenCalls['400'] ?? 0, 0, JSON.stringify(figures.tokenCalls));
          assert.ok((figures.tokenCalls['200'] ?? 0) >= 2);
          return figures;
        },
      ),
  },
  {
    name: 'invalid_grant, then auth set and resume',
    run: (scale = FULL) =>
      withCluster(scale, {}, async (c) => {
        const key = encryptionKey(EMULATOR_DEVELOPMENT_VALUES.encryptionKey) as Buffer;
        await setRefreshToken(c.db, key, c.realmId, 'a-revoked-refresh-token');
        const startedAt = Date.now();
        const runId = await c.enqueue();
        await c.until(async () => (await c.runStatus(runId)) === 'halted', 60_000, 'the run to halt');
        const queue = new Queue<WindowJobData>(QUEUE_NAME, {
          connection: { url: c.workerEnv().REDIS_URL as string },
          prefix: c.workerEnv().QUEUE_PREFIX,
        });
        let refused: Record<string, number>;
        try {
          // Every job settles (the rest skipped) before the count: no process asks again.
          await c.until(
            async () => (await queue.getJobCountByTypes('active', 'waiting', 'prioritized')) === 0,
            60_000,
            'every job to settle',
          );
          refused =
            (await import('../helpers/backfill.js').then((m) => m.emulatorStats(c.emulator.url))).token
              ?.requests ?? {};
          assert.deepEqual(refused, { '400': 1 }, 'one token-endpoint call for the whole cluster');
          await setRefreshToken(c.db, key, c.realmId, c.emulator.refreshToken);
          await resumeRun(c.db, queue, runId);
        } finally {
          await queue.close();
        }
        const figures = await c.expectComplete(runId, startedAt);
        return { ...figures, refusedCalls: refused['400'] };
      }),
  },
  {
    name: 'a 429 storm',
    run: (scale = FULL) =>
      withCluster(scale, { emulator: { requestsPerMinute: 5, windowMs: 1_000 } }, async (c) => {
        const startedAt = Date.now();
        const runId = await c.enqueue();
        const figures = await c.expectComplete(runId, startedAt);
        assert.ok((figures.apiCalls['429'] ?? 0) > 0, JSON.stringify(figures.apiCalls));
        return figures;
      }),
  },
  {
    name: '5xx, dropped and truncated responses',
    run: (scale = FULL) =>
      withCluster(
        scale,
        { emulator: { serverErrorRate: 0.15, dropRate: 0.05, truncateRate: 0.05 } },
        async (c) => {
          const startedAt = Date.now();
          const runId = await c.enqueue();
          const figures = await c.expectComplete(runId, startedAt);
          assert.ok(
            (figures.apiCalls['500'] ?? 0) + (figures.apiCalls['503'] ?? 0) > 0,
            JSON.stringify(figures.apiCalls),
          );
          return figures;
        },
      ),
  },
  {
    name: 'records changing while paged',
    run: (scale = FULL) =>
      withCluster(scale, { emulator: { driftPerMinute: 1_200, latencyMs: [40, 80] } }, async (c) => {
        const startedAt = Date.now();
        const runId = await c.enqueue();
        const figures = await c.expectComplete(runId, startedAt, { movedAway: true });
        const reread = await c.db
          .selectFrom('ops.windows')
          .select((eb) => eb.fn.sum<number>('reread_passes').as('n'))
          .where('run_id', '=', runId)
          .executeTakeFirstOrThrow();
        return { ...figures, movedAway: c.movedAway, rereadPasses: Number(reread.n ?? 0) };
      }),
  },
];
