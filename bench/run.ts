/**
 * Benchmarks, run by hand: `npm run bench` runs them all, `npm run bench -- ingest oldway` some.
 * docs/BENCHMARKS.md is what one run prints. Each benchmark uses its own database and queue
 * prefix, like the tests, and cleans up after itself. Nothing here asserts a time: it measures and
 * prints, with the machine, its load and the date beside every figure.
 *
 *   enqueue   plan and enqueue 3 years x 3 entities (3,288 window jobs)
 *   upsert    the page upsert alone by statement shape (and Node's share per page), COPY as floor
 *   emulator  large-profile page latency: a day not generated yet, then the same page again
 *   emulator-scale  COUNT over two years and a page at 600,001 against one day and the first page;
 *             1,000 realms in one emulator: a year's COUNT and first page each, peak RSS
 *   backfill  end to end: 61 days of the large profile's invoices, two workers, default budget
 *   ingest    the worker path with limits off against `psql \copy` of the same rows, as a ratio
 *   oldway    the earlier script (pages of 10, pauses, row by row) against the product's defaults
 *   one-realm(-paged), ten-realms(-paged), thousand, scale   the realm budget (bench/realms.ts)
 *   job-cost  CPU per one-page window job of each process (workers, PostgreSQL, Redis, emulator)
 *   one-realm-mix, ten-realms-mix   fair, full budgets when realms backfill several entities of the
 *             large profile over two years, dense parts and whole-range windows mixed
 *   small-company, dense-company, dense-budget, plans-1000   requests per plan (bench/density.ts)
 *   thousand-companies  1,000 sandbox companies, a year of every entity, QBO's limits, three workers
 *   reports   a year of every report by month on the sandbox and the large profile: requests, parts, time
 *   redis-cluster  ten realms' budgets on a three-node Redis Cluster beside one redis-server, same
 *             run: efficiency, 429s, Redis commands per request, keys and CPU per node (the queue's)
 *   pgbouncer  the page upsert through PgBouncer in transaction mode against direct, same run
 *   sync-drill  10 minutes of `sync --every 1m` against a live emulator with activity and webhooks
 *   staging   a million invoices in raw: the ledger's count and revenue by month, beside JSONB by hand
 */
import { benchBackfill } from './backfill.js';
import { benchEmulator } from './emulator-latency.js';
import { benchEmulatorScale } from './emulator-scale.js';
import { benchEnqueue } from './enqueue.js';
import { benchIngest } from './ingest.js';
import { benchJobCost } from './job-cost.js';
import { machineLine, type BenchResult } from './lib.js';
import { benchOldWay } from './oldway.js';
import { benchPgBouncer } from './pgbouncer.js';
import { benchRedisCluster } from './redis-cluster.js';
import { REALM_BENCHES } from './realms.js';
import { BUDGET_MIX_BENCHES } from './budget-mix.js';
import { DENSITY_BENCHES } from './density.js';
import { benchStaging } from './staging.js';
import { benchSyncDrill } from './sync-drill.js';
import { benchThousandCompanies } from './thousand-companies.js';
import { benchReports } from './reports.js';
import { benchUpsert } from './upsert.js';

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  enqueue: benchEnqueue,
  upsert: benchUpsert,
  emulator: benchEmulator,
  'emulator-scale': benchEmulatorScale,
  backfill: benchBackfill,
  ingest: benchIngest,
  oldway: benchOldWay,
  'job-cost': benchJobCost,
  'sync-drill': benchSyncDrill,
  'thousand-companies': benchThousandCompanies,
  staging: benchStaging,
  reports: async () => ({ rows: await benchReports() }),
  'redis-cluster': benchRedisCluster,
  pgbouncer: benchPgBouncer,
  // The realm budget: fairness across realms, a thousand realms, the 3-year scale run.
  ...Object.fromEntries(
    Object.entries({ ...REALM_BENCHES, ...BUDGET_MIX_BENCHES, ...DENSITY_BENCHES }).map(([name, bench]) => [
      name,
      async () => ({ rows: await bench() }),
    ]),
  ),
};

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
console.log(`Command: npm run bench${process.argv.length > 2 ? ` -- ${names.join(' ')}` : ''}`);
console.log(`Machine: ${machineLine()}\n`);
for (const name of names) {
  const started = machineLine();
  const result = await (BENCHES[name] as () => Promise<BenchResult>)();
  console.log(`### ${name}\n\n- started ${started}\n- ended   ${machineLine()}\n`);
  console.log(`| benchmark | result | time |\n| --- | --- | --- |`);
  for (const line of result.rows) console.log(line);
  for (const note of result.notes ?? []) console.log(`\n${note}`);
  console.log('');
}
// Worker and queue clients can keep timers alive a moment after closing.
process.exit(0);
