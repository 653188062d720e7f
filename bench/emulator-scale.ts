/**
 * The emulator at QBO's pace (`npm run bench -- emulator-scale`), over HTTP, the emulator in a
 * process of its own (its RSS is its own):
 *
 *   - large profile: a COUNT(*) of invoices over two years against a one-day COUNT, and a page at
 *     STARTPOSITION 600001 against the first page (1000 rows each), both the first time a realm is
 *     asked (its plan and day index are made then) and again over ranges not asked before;
 *   - 1,000 sandbox realms in one process: a year's COUNT and first page of invoices of each
 *     (10 requests in flight), the time for all 1,000 of each and the process's peak RSS.
 *
 * Prints each figure against the bound (ratios <= 5, each 1,000 in under a minute, RSS
 * under 1 GB) with pass or fail; nothing asserts.
 */
import { performance } from 'node:perf_hooks';
import {
  accessToken,
  machineLine,
  memoryOf,
  spawnEmulator,
  type BenchResult,
  type EmulatorHandle,
} from './lib.js';

const DAY_MS = 86_400_000;
const RATIO_BOUND = 5;
const THOUSAND = 1000;
const IN_FLIGHT = 10;

/** One query over HTTP; returns its time in ms (the body is read whole). */
async function timed(em: EmulatorHandle, token: string, realmId: string, statement: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${em.url}/v3/company/${realmId}/query?query=${encodeURIComponent(statement)}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`emulator answered ${res.status}: ${body.slice(0, 200)}`);
  return performance.now() - t0;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const where = (from: number, to: number) =>
  `WHERE MetaData.LastUpdatedTime >= '${iso(from)}' AND MetaData.LastUpdatedTime < '${iso(to)}'`;
const count = (from: number, days: number) =>
  `SELECT COUNT(*) FROM Invoice ${where(from, from + days * DAY_MS)}`;
const page = (from: number, days: number, start: number) =>
  `SELECT * FROM Invoice ${where(from, from + days * DAY_MS)} ORDERBY MetaData.LastUpdatedTime STARTPOSITION ${start} MAXRESULTS 1000`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const verdict = (ok: boolean) => (ok ? '**pass**' : '**FAIL**');

async function largeProfile(): Promise<string[]> {
  // Four realms, so that each comparison starts from a realm never asked before.
  const realms = ['9500000000000001', '9500000000000002', '9500000000000003', '9500000000000004'];
  const em = await spawnEmulator({ profile: 'large', seed: 2026, realmIds: realms });
  try {
    const token = await accessToken(em);
    const [a, b, c, d] = realms as [string, string, string, string];
    const start = Date.UTC(2024, 0, 1);
    // First asks: each builds the realm's plan and day index for invoices.
    const dayCold = await timed(em, token, a, count(start + 100 * DAY_MS, 1));
    const yearsCold = await timed(em, token, b, count(start, 730));
    const firstCold = await timed(em, token, c, page(start, 730, 1));
    const deepCold = await timed(em, token, d, page(start, 730, 600_001));
    // Again, over days and ranges not asked before (days not generated yet).
    const days: number[] = [];
    const years: number[] = [];
    const firsts: number[] = [];
    const deeps: number[] = [];
    for (let i = 1; i <= 9; i++) {
      days.push(await timed(em, token, a, count(start + (100 + 7 * i) * DAY_MS, 1)));
      years.push(await timed(em, token, b, count(start + i * DAY_MS, 730)));
      firsts.push(await timed(em, token, c, page(start + 20 * i * DAY_MS, 700, 1)));
      deeps.push(await timed(em, token, d, page(start + 20 * i * DAY_MS, 700, 600_001)));
    }
    const mem = memoryOf(em.pid);
    const countRatio = Math.max(yearsCold / dayCold, median(years) / median(days));
    const pageRatio = Math.max(deepCold / firstCold, median(deeps) / median(firsts));
    const f = (x: number) => `${x.toFixed(1)} ms`;
    return [
      `| large profile: COUNT(*) of invoices over two years against a one-day COUNT (bound <= ${RATIO_BOUND}x) | first ask of a realm: ${f(yearsCold)} vs ${f(dayCold)} = ${(yearsCold / dayCold).toFixed(2)}x; again (medians of 9, ranges not asked before): ${f(median(years))} vs ${f(median(days))} = ${(median(years) / median(days)).toFixed(2)}x; ${verdict(countRatio <= RATIO_BOUND)} | ${machineLine()} |`,
      `| large profile: a page of 1000 at STARTPOSITION 600001 against the first page (bound <= ${RATIO_BOUND}x) | first ask of a realm: ${f(deepCold)} vs ${f(firstCold)} = ${(deepCold / firstCold).toFixed(2)}x; again (medians of 9, days not generated yet): ${f(median(deeps))} vs ${f(median(firsts))} = ${(median(deeps) / median(firsts)).toFixed(2)}x; ${verdict(pageRatio <= RATIO_BOUND)}; emulator peak RSS ${mem.peakMiB.toFixed(0)} MiB | ${machineLine()} |`,
    ];
  } finally {
    await em.close();
  }
}

/** Runs `fn` over `items`, `inFlight` at a time. */
async function pool<T>(items: T[], inFlight: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function thousandRealms(): Promise<string[]> {
  const realms = Array.from({ length: THOUSAND }, (_, i) => String(9_600_000_000_001 + i));
  const t0 = performance.now();
  const em = await spawnEmulator({ seed: 2026, realmIds: realms });
  const startS = (performance.now() - t0) / 1000;
  try {
    const token = await accessToken(em);
    const year = Date.UTC(2025, 0, 1);
    const t1 = performance.now();
    await pool(realms, IN_FLIGHT, async (r) => void (await timed(em, token, r, count(year, 365))));
    const countS = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    await pool(realms, IN_FLIGHT, async (r) => void (await timed(em, token, r, page(year, 365, 1))));
    const pageS = (performance.now() - t2) / 1000;
    const mem = memoryOf(em.pid);
    const ok = countS < 60 && pageS < 60 && mem.peakMiB < 1024;
    return [
      `| 1,000 sandbox realms in one emulator process: a year's COUNT(*) of invoices of each, then its first page of 1000, ${IN_FLIGHT} in flight (bounds: each under a minute, RSS under 1 GB) | started in ${startS.toFixed(1)} s; 1,000 COUNTs in **${countS.toFixed(1)} s**, 1,000 first pages in **${pageS.toFixed(1)} s**; peak RSS **${mem.peakMiB.toFixed(0)} MiB** (now ${mem.rssMiB.toFixed(0)}); ${verdict(ok)} | ${machineLine()} |`,
    ];
  } finally {
    await em.close();
  }
}

export async function benchEmulatorScale(): Promise<BenchResult> {
  return { rows: [...(await largeProfile()), ...(await thousandRealms())] };
}
