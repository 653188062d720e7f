/**
 * Benchmarks, run by hand (`npm run bench [-- name ...]`); results go to docs/BENCHMARKS.md with
 * the command that produced them. Each benchmark uses its own database and queue prefix, like the
 * tests, and cleans up after itself. Nothing here asserts a time: it measures and prints.
 *
 *   enqueue   plan and enqueue 3 years x 3 entities (3,288 window jobs)
 *   upsert    one-statement upserts of 1000-invoice pages: first load, then unchanged, then updated
 *   emulator  large-profile page latency: a day not generated yet, then the same page again
 *   backfill  end to end: 61 days of the large profile's invoices, two workers, default budget
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { startEmulator } from '../src/emulator/index.js';
import { parseConfig } from '../src/shared/config.js';
import { getEntity } from '../src/shared/entities.js';
import { QUEUE_NAME, type WindowJobData } from '../src/shared/queue.js';
import { enqueueBackfill, planBackfill } from '../src/producer/enqueue.js';
import { parseRecord } from '../src/workers/qbo-record.js';
import { upsertPage } from '../src/workers/upsert-page.js';
import { pageStatement } from '../src/workers/window-query.js';
import { startWorker } from '../src/workers/worker-process.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { emulatorEnv, waitForRunEnd } from '../test/helpers/backfill.js';
import { REALM_BENCHES } from './realms.js';

const silent = pino({ level: 'silent' });
const ms = (t0: number) => Math.round(performance.now() - t0);

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** An access token from the emulator's token endpoint, for benchmarks that query it directly. */
async function accessToken(emulator: Emulator): Promise<{ access_token: string }> {
  const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');
  const res = await fetch(emulator.tokenUrl, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&refresh_token=${emulator.refreshToken}`,
  });
  return (await res.json()) as { access_token: string };
}

async function benchEnqueue(): Promise<string[]> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench');
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  try {
    const plan = planBackfill({
      realmId: '1',
      entities: ['invoices', 'customers', 'items'],
      from: new Date('2024-01-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
      startAt: new Date(Date.now() + 3_600_000),
      pageSize: 1000,
    });
    const t0 = performance.now();
    const run = await enqueueBackfill(tdb.db, queue, plan);
    const first = ms(t0);
    const t1 = performance.now();
    const again = await enqueueBackfill(tdb.db, queue, plan);
    const second = ms(t1);
    const delayed = await queue.getDelayedCount();
    return [
      `| enqueue 2024-01-01..2026-12-31, 3 entities | ${run.jobs} jobs (${delayed} delayed in Redis) | ${first} ms |`,
      `| same enqueue again (returns the live run, adds nothing) | existing=${again.existing} | ${second} ms |`,
    ];
  } finally {
    await queue.close();
    await deletePrefix(prefix);
    await tdb.drop();
  }
}

async function benchUpsert(): Promise<string[]> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 9 });
  const tdb = await createTestDatabase();
  const entity = getEntity('invoices');
  const realmId = emulator.realmIds[0] as string;
  try {
    const token = await accessToken(emulator);
    const pages: { records: ReturnType<typeof parseRecord>[]; statement: string; start: Date; end: Date }[] =
      [];
    for (let d = 0; d < 10; d++) {
      const start = new Date(Date.UTC(2025, 5, 1 + d));
      const end = new Date(start.getTime() + 86_400_000);
      const statement = pageStatement(entity, start, end, 1, 1000);
      const body = await fetch(
        `${emulator.url}/v3/company/${realmId}/query?query=${encodeURIComponent(statement)}&minorversion=75`,
        {
          headers: { Authorization: `Bearer ${token.access_token}`, Accept: 'application/json' },
        },
      ).then((r) => r.json() as Promise<{ QueryResponse: { Invoice?: unknown[] } }>);
      pages.push({ records: (body.QueryResponse.Invoice ?? []).map(parseRecord), statement, start, end });
    }
    const rows = pages.reduce((n, p) => n + p.records.length, 0);
    const pass = async (
      label: string,
      mutate?: (r: ReturnType<typeof parseRecord>) => ReturnType<typeof parseRecord>,
    ) => {
      const t0 = performance.now();
      const totals = { inserted: 0, updated: 0, unchanged: 0 };
      for (const [i, p] of pages.entries()) {
        const records = mutate ? p.records.map(mutate) : p.records;
        const c = await tdb.db.transaction().execute((trx) =>
          upsertPage(trx, entity, records, {
            realmId,
            runId: 'bench',
            windowStart: p.start,
            windowEnd: p.end,
            pageNumber: i + 1,
            pageSize: 1000,
            requestPayload: p.statement,
          }),
        );
        totals.inserted += c.inserted;
        totals.updated += c.updated;
        totals.unchanged += c.unchanged;
      }
      const t = ms(t0);
      return `| upsert ${pages.length} pages of ~1000 invoices: ${label} | ${rows} rows (${totals.inserted} ins / ${totals.updated} upd / ${totals.unchanged} unch) | ${t} ms (${Math.round((rows / t) * 1000)} rows/s, ${(t / pages.length).toFixed(1)} ms/page) |`;
    };
    const out = [await pass('first load')];
    out.push(await pass('same versions again'));
    out.push(await pass('every record newer', (r) => ({ ...r, syncToken: (r.syncToken ?? 0) + 1 })));
    return out;
  } finally {
    await emulator.close();
    await tdb.drop();
  }
}

async function benchEmulator(): Promise<string[]> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 10 });
  const realmId = emulator.realmIds[0] as string;
  try {
    const token = await accessToken(emulator);
    const get = async (day: number) => {
      const start = new Date(Date.UTC(2025, 2, 1 + day));
      const statement = pageStatement(
        getEntity('invoices'),
        start,
        new Date(start.getTime() + 86_400_000),
        1,
        1000,
      );
      const t0 = performance.now();
      const res = await fetch(
        `${emulator.url}/v3/company/${realmId}/query?query=${encodeURIComponent(statement)}`,
        {
          headers: { Authorization: `Bearer ${token.access_token}`, Accept: 'application/json' },
        },
      );
      await res.arrayBuffer();
      return performance.now() - t0;
    };
    const cold: number[] = [];
    const warm: number[] = [];
    for (let d = 0; d < 20; d++) cold.push(await get(d));
    for (let d = 0; d < 20; d++) warm.push(await get(d));
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `median ${s[Math.floor(s.length / 2)]?.toFixed(0)} ms, max ${s[s.length - 1]?.toFixed(0)} ms`;
    };
    return [
      `| large profile: page of 1000 invoices, day not generated yet (20 days) | ${stats(cold)} | |`,
      `| large profile: the same pages again | ${stats(warm)} | |`,
    ];
  } finally {
    await emulator.close();
  }
}

async function benchBackfill(): Promise<string[]> {
  const emulator = await startEmulator({ port: 0, profile: 'large', seed: 11 });
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix('bench');
  const realmId = emulator.realmIds[0] as string;
  const config = parseConfig({
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
    LOG_LEVEL: 'silent',
  });
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const workers = [
    startWorker({ config, logger: silent, concurrency: 4 }),
    startWorker({ config, logger: silent, concurrency: 4 }),
  ];
  try {
    const plan = planBackfill({
      realmId,
      entities: ['invoices'],
      from: new Date('2025-04-01T00:00:00Z'),
      to: new Date('2025-06-01T00:00:00Z'),
      startAt: new Date(),
      pageSize: 1000,
    });
    const t0 = performance.now();
    const run = await enqueueBackfill(tdb.db, queue, plan);
    const status = await waitForRunEnd(tdb.db, run.runId, 600_000);
    const t = ms(t0);
    const totals = await tdb.db
      .selectFrom('ops.windows')
      .select((eb) => [eb.fn.sum<number>('rows_fetched').as('rows'), eb.fn.sum<number>('pages').as('pages')])
      .where('run_id', '=', run.runId)
      .executeTakeFirstOrThrow();
    const stats = emulator.stats();
    return [
      `| backfill 61 days of large-profile invoices, 2 workers x 4, budget 480/min | ${status}: ${totals.rows} rows, ${totals.pages} pages, requests by status ${JSON.stringify(stats.realms[realmId]?.requests ?? {})} | ${t} ms (${Math.round((Number(totals.rows) / t) * 1000)} rows/s) |`,
    ];
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
    await deletePrefix(prefix);
    await emulator.close();
    await tdb.drop();
  }
}

const BENCHES: Record<string, () => Promise<string[]>> = {
  enqueue: benchEnqueue,
  upsert: benchUpsert,
  emulator: benchEmulator,
  backfill: benchBackfill,
  ...REALM_BENCHES,
};

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
console.log(`| benchmark | result | time |\n| --- | --- | --- |`);
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  for (const line of await bench()) console.log(line);
}
