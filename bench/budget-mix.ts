/**
 * Fair, full budgets on a realistic mix (`npm run bench -- <name>`): every realm backfills several
 * entities of the large profile over two years with the default (adaptive) plan, so dense entities
 * split into day parts while sparse ones stay one window over the whole range, all at once. QBO's
 * own limits on the emulator (500 per sliding 60 s, 10 in flight per realm), the product's default
 * budget (480/min), three `qbo-backfill worker` processes x 4, the emulator in its own process.
 *
 *   one-realm-mix   one realm, invoices + customers + items, pages of 50:
 *                   >= 0.95 of 500/min and 0 x 429
 *   ten-realms-mix  ten realms, invoices + payments + customers + items (dense) + classes + terms
 *                   (one window each over the two years), pages of 5: >= 0.9 of 10 x 500/min, 0 x 429
 *
 * After a warm-up (first pages, COUNTs, splits), requests per minute over the measured minutes
 * against the realms' budget, the 429s of the whole run so far, and the CPU seconds each process
 * used meanwhile (what bounds the rate on a small machine). Prints pass or fail; asserts nothing.
 */
import { performance } from 'node:perf_hooks';
import { enqueueBackfill, planBackfill } from '../src/backfill/plan/enqueue.js';
import { answered, cpuBetween, cpuText, startCluster } from './cluster.js';
import { machineLine } from './lib.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** QBO's own limit per realm and minute. */
const QBO_PER_MINUTE = 500;

interface Mix {
  realms: number;
  entities: string[];
  pageSize: number;
  /** Share of the realms' QBO budget the bench must reach. */
  bound: number;
  warmupMs: number;
  measureMs: number;
  label: string;
}

async function budgetMix(mix: Mix): Promise<string[]> {
  const realms = Array.from({ length: mix.realms }, (_, i) => String(9_700_000_000_001 + i));
  const cluster = await startCluster({ profile: 'large', seed: 2027, realmIds: realms });
  try {
    await cluster.startWorkers(3, 4);
    const t0 = performance.now();
    for (const realmId of realms) {
      const plan = planBackfill({
        windows: 'adaptive',
        realmId,
        entities: mix.entities,
        from: new Date('2024-01-01T00:00:00Z'),
        to: new Date('2026-01-01T00:00:00Z'),
        startAt: new Date(),
        pageSize: mix.pageSize,
      });
      await enqueueBackfill(cluster.tdb.db, cluster.queue, plan);
    }
    await sleep(mix.warmupMs);
    const load0 = machineLine();
    const before = answered(await cluster.stats(), realms);
    const cpu0 = await cluster.cpu();
    const t1 = performance.now();
    await sleep(mix.measureMs);
    const after = answered(await cluster.stats(), realms);
    const cpu = cpuBetween(cpu0, await cluster.cpu());
    const seconds = (performance.now() - t1) / 1000;
    const ok = (after['200'] ?? 0) - (before['200'] ?? 0);
    const perMinute = ok / (seconds / 60);
    const allowed = mix.realms * QBO_PER_MINUTE;
    const share = perMinute / allowed;
    const throttled = after['429'] ?? 0;
    const windows = await cluster.tdb.db
      .selectFrom('ops.windows')
      .select((eb) => [eb.fn.countAll<string>().as('n'), 'status'])
      .groupBy('status')
      .execute();
    const pass = share >= mix.bound && throttled === 0;
    const cores = 2 * seconds;
    return [
      `| ${mix.label} | **${Math.round(perMinute)} requests/min of ${allowed} = ${share.toFixed(3)}** (bound >= ${mix.bound}), 429s in the whole run so far **${throttled}** ${JSON.stringify(after)}; ${pass ? '**pass**' : '**FAIL**'} | measured ${seconds.toFixed(0)} s after ${((t1 - t0) / 1000).toFixed(0)} s of warm-up, started at ${load0} |`,
      `| ${mix.label}: where the time went during the measured minutes | CPU ${cpuText(cpu)} (the machine had ${cores.toFixed(0)} core-seconds); ${(((cpu.workers + cpu.postgres + cpu.redis) / ok) * 1000).toFixed(2)} ms of product CPU (workers, PostgreSQL, Redis) and ${((cpu.emulator / ok) * 1000).toFixed(2)} ms of emulator CPU per request; windows ${windows.map((w) => `${w.status} ${w.n}`).join(', ')} | ${machineLine()} |`,
    ];
  } finally {
    await cluster.close();
  }
}

export async function benchOneRealmMix(): Promise<string[]> {
  return budgetMix({
    realms: 1,
    entities: ['invoices', 'customers', 'items'],
    pageSize: 50,
    bound: 0.95,
    warmupMs: 60_000,
    measureMs: 180_000,
    label:
      'one realm of the large profile, invoices + customers + items over two years, pages of 50, default budget, 3 workers x 4, QBO limits',
  });
}

export async function benchTenRealmsMix(): Promise<string[]> {
  return budgetMix({
    realms: 10,
    entities: ['invoices', 'payments', 'customers', 'items', 'classes', 'terms'],
    pageSize: 5,
    bound: 0.9,
    warmupMs: 90_000,
    measureMs: 180_000,
    label:
      'ten realms of the large profile, invoices + payments + customers + items + classes + terms over two years, pages of 5, default budget, 3 workers x 4, QBO limits',
  });
}

export const BUDGET_MIX_BENCHES: Record<string, () => Promise<string[]>> = {
  'one-realm-mix': benchOneRealmMix,
  'ten-realms-mix': benchTenRealmsMix,
};
