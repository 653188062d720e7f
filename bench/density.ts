/**
 * What a backfill costs in QBO requests, by plan (`npm run bench -- <name>`), with the emulator at
 * QBO's own limits (500 requests per sliding 60 s, 10 in flight per realm) unless said otherwise,
 * three in-process workers at the product's defaults. Each prints the requests the emulator
 * answered beside the wall time, checks raw against the emulator's truth, and asserts no time.
 *
 *   small-company   the sandbox company, a year of every entity, 100-300 ms latency: the adaptive
 *                   plan, then `--windows day` over the same year of the same realm, and their
 *                   ratio (BENCH_SMALL_TO shortens the year for a quick look)
 *   dense-company   the large profile, 10 days of invoices (about 10,000), pages of 1000: requests
 *                   against 1.25 x ceil(records / 1000) + 2
 *   dense-budget    the large profile, invoices in pages of 50, the default budget (480/min) against
 *                   the emulator's 500: requests/min over two minutes of steady state, and 429s
 *   plans-1000      1,000 realms x every entity x 3 years enqueued with a start a day away
 *                   (own redis-server): time, Redis memory, ops rows
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { startEmulator, type EmulatorConfig, type ProfileName } from '@qbo-backfill/emulator';
import { parseConfig } from '../src/config/config.js';
import { ENTITIES, entityNames } from '../src/model/entities.js';
import type { WindowsPlan } from '../src/model/db-types.js';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../src/backfill/plan/enqueue.js';
import { startWorker, type RunningWorker } from '../src/worker/worker-process.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { RedisServer } from '../test/rate-limit/redis-server.js';
import { emulatorEnv, waitForRunEnd } from '../test/helpers/backfill.js';
import { machineLine, silent } from './lib.js';
import { enqueueMeasured } from './cluster.js';

const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Backfill {
  plan: WindowsPlan;
  realmId: string;
  entities: string[];
  from: Date;
  to: Date;
  pageSize: number;
}

interface Measured {
  wallS: number;
  requests: Record<string, number>;
  records: number;
  /** Entities whose raw table differs from the truth, with both counts. */
  mismatches: string[];
  /** Records per entity at the source. */
  perEntity: number[];
  jobs: number;
}

/** An emulator, a database and three workers; `run` backfills one plan and measures it. */
async function cluster(profile: ProfileName, realmIds: string[], config: Partial<EmulatorConfig>) {
  const emulator = await startEmulator({ port: 0, seed: 20260101, profile, realmIds, config });
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench-density');
  const workerConfig = parseConfig({
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmIds[0] as string),
    LOG_LEVEL: 'silent',
  });
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const workers: RunningWorker[] = Array.from({ length: 3 }, () =>
    startWorker({ config: workerConfig, logger: silent }),
  );
  const answered = (realmId: string) => ({ ...(emulator.stats().realms[realmId]?.requests ?? {}) });
  return {
    emulator,
    answered,
    async run(b: Backfill): Promise<Measured> {
      const plan = planBackfill({
        windows: b.plan,
        realmId: b.realmId,
        entities: b.entities,
        from: b.from,
        to: b.to,
        startAt: new Date(),
        pageSize: b.pageSize,
      });
      const before = answered(b.realmId);
      const t0 = performance.now();
      const run = await enqueueBackfill(tdb.db, queue, plan);
      const status = await waitForRunEnd(tdb.db, run.runId, 3 * 3_600_000, 1_000);
      const wallS = (performance.now() - t0) / 1000;
      const mismatches: string[] = status === 'succeeded' ? [] : [`run ${status}`];
      const perEntity: number[] = [];
      for (const name of b.entities) {
        const entity = ENTITIES.find((e) => e.name === name);
        if (!entity) continue;
        const whole = entity.read === 'whole';
        const truth = emulator.truth(
          b.realmId,
          entity.qboName,
          whole ? new Date(0) : b.from,
          whole ? new Date(8.64e15) : b.to,
        );
        const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM raw.${sql.raw(entity.table)}
          WHERE realm_id = ${b.realmId}`.execute(tdb.db);
        const n = stored.rows[0]?.n ?? -1;
        if (n !== truth.count) mismatches.push(`${name}: raw ${n}, truth ${truth.count}`);
        perEntity.push(truth.count);
      }
      return {
        wallS,
        requests: Object.fromEntries(
          Object.entries(answered(b.realmId)).map(([status, n]) => [status, n - (before[status] ?? 0)]),
        ),
        records: perEntity.reduce((a, n) => a + n, 0),
        mismatches,
        perEntity,
        jobs: run.jobs,
      };
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      await deletePrefix(prefix);
      await emulator.close();
      await tdb.drop();
    },
  };
}

/** The bound: 1.25 x (one request per 1000 records of each entity, at least one) + 2 per entity. */
const requestBound = (perEntity: number[]) =>
  perEntity.reduce((n, records) => n + 1.25 * Math.max(1, Math.ceil(records / 1000)) + 2, 0);

const ok = (m: Measured) => (m.mismatches.length ? `raw differs: ${m.mismatches.join('; ')}` : 'raw = truth');
const total = (r: Record<string, number>) => Object.values(r).reduce((a, n) => a + n, 0);

export async function benchSmallCompany(): Promise<string[]> {
  const from = new Date('2025-01-01T00:00:00Z');
  const to = new Date(process.env.BENCH_SMALL_TO ?? '2026-01-01T00:00:00Z');
  const days = Math.round((to.getTime() - from.getTime()) / DAY_MS);
  // One realm, read twice: the same records cost each plan what it costs (the second read finds
  // them all unchanged, which costs no request more or less).
  const realmId = '9200000000000001';
  const c = await cluster('sandbox', [realmId], { latencyMs: [100, 300] });
  try {
    const entities = entityNames();
    const adaptive = await c.run({
      plan: 'adaptive',
      realmId,
      entities,
      from,
      to,
      pageSize: 1000,
    });
    const day = await c.run({ plan: 'day', realmId, entities, from, to, pageSize: 1000 });
    const a = total(adaptive.requests);
    const d = total(day.requests);
    const label = `sandbox company, every entity (${entities.length}), ${days} days, QBO limits, latency 100-300 ms, 3 workers x 4`;
    return [
      `| ${label}, adaptive (default) | ${adaptive.records} records, ${adaptive.jobs} jobs, **${a} requests** ${JSON.stringify(adaptive.requests)} (bound ${requestBound(adaptive.perEntity).toFixed(1)}), **${adaptive.wallS.toFixed(1)} s**; ${ok(adaptive)} | ${machineLine()} |`,
      `| ${label}, \`--windows day\` | ${day.records} records, ${day.jobs} jobs, **${d} requests** ${JSON.stringify(day.requests)}, **${day.wallS.toFixed(1)} s**; ${ok(day)} | ${machineLine()} |`,
      `| adaptive against day, same emulator, same run | requests ${a} / ${d} = **${(a / d).toFixed(4)}** (${(d / a).toFixed(0)}x fewer); wall ${adaptive.wallS.toFixed(1)} / ${day.wallS.toFixed(1)} s = **${(adaptive.wallS / day.wallS).toFixed(4)}** | ${machineLine()} |`,
    ];
  } finally {
    await c.close();
  }
}

export async function benchDenseCompany(): Promise<string[]> {
  const c = await cluster('large', ['9300000000000001'], {});
  try {
    const m = await c.run({
      plan: 'adaptive',
      realmId: '9300000000000001',
      entities: ['invoices'],
      from: new Date('2025-05-01T00:00:00Z'),
      to: new Date('2025-05-11T00:00:00Z'),
      pageSize: 1000,
    });
    const n = total(m.requests);
    const bound = 1.25 * Math.ceil(m.records / 1000) + 2;
    return [
      `| large profile, invoices, 10 days, pages of 1000, QBO limits, 3 workers x 4 | ${m.records} records, **${n} requests** ${JSON.stringify(m.requests)} against the bound 1.25 x ${Math.ceil(m.records / 1000)} + 2 = ${bound} (**${(n / bound).toFixed(3)}** of it), ${m.wallS.toFixed(1)} s; ${ok(m)} | ${machineLine()} |`,
    ];
  } finally {
    await c.close();
  }
}

export async function benchDenseBudget(): Promise<string[]> {
  const realmId = '9400000000000001';
  const c = await cluster('large', [realmId], {});
  try {
    // 80 days of ~1,000 invoices in pages of 50: ~1,650 requests, more than three minutes at 480/min.
    const running = c.run({
      plan: 'adaptive',
      realmId,
      entities: ['invoices'],
      from: new Date('2025-01-01T00:00:00Z'),
      to: new Date('2025-03-22T00:00:00Z'),
      pageSize: 50,
    });
    await sleep(45_000); // the split, the parts' first pages, the budget's first minute
    const before = c.answered(realmId);
    const t0 = performance.now();
    await sleep(120_000);
    const after = c.answered(realmId);
    const minutes = (performance.now() - t0) / 60_000;
    const ok200 = ((after['200'] ?? 0) - (before['200'] ?? 0)) / minutes;
    const m = await running;
    return [
      `| large profile, invoices in pages of 50, default budget (480/min) against QBO's 500 per sliding 60 s, 3 workers x 4, two minutes of steady state | **${Math.round(ok200)} requests/min of 500 = ${(ok200 / 500).toFixed(3)}**, 429s in those minutes ${(after['429'] ?? 0) - (before['429'] ?? 0)}, in the whole run ${m.requests['429'] ?? 0}; the run: ${m.records} records, ${total(m.requests)} requests, ${m.wallS.toFixed(0)} s; ${ok(m)} | ${machineLine()} |`,
    ];
  } finally {
    await c.close();
  }
}

export async function benchPlans1000(): Promise<string[]> {
  const server = await RedisServer.start();
  const redis = new Redis(server.url);
  const tdb = await createTestDatabase();
  try {
    const startAt = new Date(Date.now() + DAY_MS);
    const { jobs, ms, bytes } = await enqueueMeasured(
      redis,
      server.url,
      'bench-plans',
      tdb.db,
      (function* () {
        for (let i = 0; i < 1000; i++)
          yield planBackfill({
            windows: 'adaptive',
            realmId: String(7_000_001 + i),
            entities: entityNames(),
            from: new Date('2024-01-01T00:00:00Z'),
            to: new Date('2027-01-01T00:00:00Z'),
            startAt,
            pageSize: 1000,
          });
      })(),
    );
    const s = ms / 1000;
    const rows = await sql<{
      runs: number;
      windows: number;
    }>`SELECT (SELECT count(*)::int FROM ops.runs) AS runs,
      (SELECT count(*)::int FROM ops.windows) AS windows`.execute(tdb.db);
    return [
      `| 1,000 realms x every entity (${ENTITIES.length}) x 3 years, adaptive, start a day away (own redis-server) | ${jobs} jobs in **${s.toFixed(1)} s**; Redis **+${(bytes / 2 ** 20).toFixed(1)} MiB** (${Math.round(bytes / jobs)} bytes/job); ops rows: ${rows.rows[0]?.runs} runs, ${rows.rows[0]?.windows} windows | ${machineLine()} |`,
    ];
  } finally {
    redis.disconnect();
    await server.destroy();
    await tdb.drop();
  }
}

export const DENSITY_BENCHES: Record<string, () => Promise<string[]>> = {
  'small-company': benchSmallCompany,
  'dense-company': benchDenseCompany,
  'dense-budget': benchDenseBudget,
  'plans-1000': benchPlans1000,
};
