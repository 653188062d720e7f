/**
 * A thousand companies, run for real: 1,000 sandbox companies in one emulator at QBO's own limits
 * (500 requests a minute and 10 in flight per realm) with 100-300 ms of latency, a year of every
 * entity each, connected with `auth import`, enqueued with `--realm all`, worked by three worker
 * processes of the compiled product on a Redis of their own (so its peak memory is theirs alone).
 *
 * It reports what the issue of scale asks: every run's end, raw = truth on a sample of companies,
 * the requests against the least a backfill could make, the 429s, the wall time against the CPU the
 * work took (workers, emulator, PostgreSQL backends, Redis, each apart), peak Redis memory and
 * worker RSS. Nothing asserts: it measures and prints.
 *
 *   npm run bench -- thousand-companies
 *   BENCH_COMPANIES=50 BENCH_CONCURRENCY=8 node --import tsx bench/run.ts thousand-companies
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { ENTITIES } from '../src/model/entities.js';
import { fetchTruth, rawIds } from '../test/helpers/backfill.js';
import { answered, cpuBetween, redisUsedBytes, startCluster } from './cluster.js';
import { memoryOf, type BenchResult } from './lib.js';
import { runProductCli } from './product-processes.js';

const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 1000);
/** Job slots per worker process: three processes of 8 keep ~24 requests of 100-300 ms in flight. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WORKERS = 3;
const SAMPLE = Math.min(10, COMPANIES);
const FROM = '2025-01-01';
const TO = '2025-12-31';
const RANGE = { from: new Date(`${FROM}T00:00:00Z`), to: new Date('2026-01-01T00:00:00Z') };
/** The product's page size: the least requests an entity can take is one per 1,000 records. */
const PAGE = 1000;

/** Realm ids of the companies: digits, as QBO's are. */
const realmIds = Array.from({ length: COMPANIES }, (_, i) => `94000000${String(i + 1).padStart(8, '0')}`);

export async function benchThousandCompanies(): Promise<BenchResult> {
  // The cluster harness: the emulator in a process of its own, a redis-server of the bench's own
  // (its peak memory is the cluster's alone), a fresh database, worker processes.
  const cluster = await startCluster(
    { profile: 'sandbox', seed: 20261207, realmIds, config: { latencyMs: [100, 300] } },
    { LOG_LEVEL: 'warn' },
  );
  const { emulator, tdb, env, redis } = cluster;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qbo-thousand-'));
  try {
    await cli(['migrate'], env);
    const tokens = path.join(dir, 'tokens.csv');
    await writeFile(tokens, realmIds.map((r) => `${r},${emulator.refreshToken}`).join('\n') + '\n');
    await cli(['auth', 'import', '--file', tokens], env);
    await cluster.startWorkers(WORKERS, CONCURRENCY);
    const cpu0 = await cluster.cpu();

    const t0 = performance.now();
    await cli(['enqueue', '--entities', 'all', '--from', FROM, '--to', TO, '--realm', 'all', '--json'], env);
    const enqueueMs = performance.now() - t0;
    let peakRedisMiB = 0;
    let ended: { status: string; n: number }[] = [];
    for (;;) {
      peakRedisMiB = Math.max(peakRedisMiB, (await redisUsedBytes(redis)) / 2 ** 20);
      ended = (
        await sql<{ status: string; n: number }>`
          SELECT status, count(*)::int AS n FROM ops.runs GROUP BY status`.execute(tdb.db)
      ).rows;
      const open = ended.filter((r) => ['scheduled', 'running'].includes(r.status));
      if (open.length === 0 && ended.length > 0) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpu = cpuBetween(cpu0, await cluster.cpu());
    const workerPeak = Math.max(...cluster.workers.map((w) => memoryOf(w.pid).peakMiB));
    const emulatorPeak = memoryOf(emulator.pid).peakMiB;

    const stats = await cluster.stats();
    const byStatus = answered(stats, realmIds);
    const requests = Object.values(byStatus).reduce((a, b) => a + b, 0);
    const rows = Number(
      (
        await sql<{ n: string }>`SELECT coalesce(sum(rows_fetched), 0)::text AS n FROM ops.windows`.execute(
          tdb.db,
        )
      ).rows[0]?.n ?? 0,
    );

    // The least a backfill could ask, on the sample (the truth of 1,000 companies' years takes the
    // emulator longer than their backfill): one request per page of 1,000 records of each entity.
    let least = 0;
    let worstRealm = 0;
    const sampleMismatches: string[] = [];
    const sampled = realmIds.slice(0, SAMPLE);
    for (let i = 0; i < sampled.length; i += 16) {
      await Promise.all(
        sampled.slice(i, i + 16).map(async (realmId, j) => {
          let realmLeast = 0;
          for (const entity of ENTITIES) {
            // An entity read whole (the company's snapshots) is compared whole, as the product reads it.
            const whole = entity.read === 'whole';
            const truth = await fetchTruth(
              emulator.url,
              realmId,
              entity.name,
              whole ? new Date(0) : RANGE.from,
              whole ? new Date() : RANGE.to,
            );
            realmLeast += Math.max(1, Math.ceil(truth.count / PAGE));
            if (i + j < SAMPLE) {
              const raw = whole
                ? await rawIds(tdb.db, entity.name, realmId, new Date(0), new Date(8.64e15))
                : await rawIds(tdb.db, entity.name, realmId, RANGE.from, RANGE.to);
              if (raw.join() !== [...truth.ids].sort().join())
                sampleMismatches.push(`${realmId} ${entity.name}`);
            }
          }
          least += realmLeast;
          const made = Object.values(stats.realms[realmId]?.requests ?? {}).reduce((a, b) => a + b, 0);
          worstRealm = Math.max(worstRealm, made / (1.25 * realmLeast + 2 * ENTITIES.length));
        }),
      );
    }
    const sampleRequests = sampled.reduce(
      (sum, realmId) => sum + Object.values(stats.realms[realmId]?.requests ?? {}).reduce((a, b) => a + b, 0),
      0,
    );
    const bound = 1.25 * least + 2 * ENTITIES.length * SAMPLE;
    const workerMsPerRequest = (cpu.workers * 1000) / requests;
    const workerSPerThousandRows = (cpu.workers * 1000) / Math.max(rows, 1);
    const totalCpu = cpu.workers + cpu.emulator + cpu.redis + cpu.postgres;
    const cores = os.cpus().length;
    const runs = ended.map((r) => `${r.status} ${r.n}`).join(', ');
    const label = `${COMPANIES} sandbox companies × ${ENTITIES.length} entities × ${FROM}..${TO}, QBO limits, latency 100-300 ms, ${WORKERS} workers × ${CONCURRENCY}`;
    return {
      rows: [
        `| ${label}: runs | ${runs}; raw = truth on ${SAMPLE} companies: ${sampleMismatches.length === 0 ? 'yes' : `NO (${sampleMismatches.slice(0, 5).join('; ')})`} | **${(wallS / 60).toFixed(1)} min** (enqueue ${(enqueueMs / 1000).toFixed(1)} s) |`,
        `| requests | **${requests}** (${JSON.stringify(byStatus)}), **${byStatus['429'] ?? 0} × 429**; on the ${SAMPLE} sampled companies ${sampleRequests} against a least of ${least} and a bound (1.25 × least + 2 per entity) of ${bound.toFixed(0)}: **${(sampleRequests / bound).toFixed(3)}** of it (worst company ${worstRealm.toFixed(3)}); token calls ${JSON.stringify(stats.token?.requests ?? {})} | |`,
        `| rows | ${rows} fetched | |`,
        `| CPU seconds | workers ${cpu.workers.toFixed(0)}, emulator ${cpu.emulator.toFixed(0)}, PostgreSQL backends ${cpu.postgres.toFixed(0)}, Redis ${cpu.redis.toFixed(0)}: ${totalCpu.toFixed(0)} of the ${(wallS * cores).toFixed(0)} the ${cores} cores had (**${(totalCpu / (wallS * cores)).toFixed(2)}**) | |`,
        `| product CPU | **${workerMsPerRequest.toFixed(1)} ms per request**, **${workerSPerThousandRows.toFixed(3)} s per 1,000 rows** (workers only) | |`,
        `| memory | Redis peak **${peakRedisMiB.toFixed(0)} MiB**; worker RSS peak ${workerPeak.toFixed(0)} MiB; emulator RSS peak ${emulatorPeak.toFixed(0)} MiB | |`,
      ],
    };
  } finally {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function cli(args: string[], env: Record<string, string>): Promise<void> {
  const r = await runProductCli(args, env);
  if (r.code !== 0) throw new Error(`qbo-backfill ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}`);
}
