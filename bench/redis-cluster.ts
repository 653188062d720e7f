/**
 * The realm budget on a three-node Redis Cluster beside one redis-server, same run, same workload
 * (`npm run bench -- redis-cluster`): ten realms of the large profile, invoices by UTC day in pages
 * of 50, QBO's limits scaled down to 120 requests per 60 s per realm (10 in flight) so a side takes
 * about two minutes, three `qbo-backfill worker` processes of the compiled product x 4 slots.
 *
 * Each side: budget efficiency (requests per minute against 10 x 120), 429s, Redis commands per
 * QBO request (every node's INFO commandstats, delta over the measured span, over the emulator's
 * requests), keys per node. The realms are picked so that their budgets' slots sit on the two nodes
 * that do not hold the window queue's slot: that node's commands and CPU are then the queue's
 * alone, which is what one queue costs against what sharding it would buy.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { QUEUE_NAME } from '../src/infra/queue.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { emulatorStats } from '../test/helpers/backfill.js';
import { RedisClusterServer } from '../test/helpers/redis-cluster.js';
import { RedisServer } from '../test/rate-limit/redis-server.js';
import { memoryOf, spawnEmulator, type BenchResult } from './lib.js';
import {
  runProductCli,
  spawnDashboardProcess,
  spawnWorkerProcess,
  type WorkerProcessHandle,
} from './product-processes.js';

const REALMS = 10;
/** QBO's 500 per minute scaled to 120, its minute and its 10 in flight kept. */
const LIMITS = { requestsPerMinute: 120, windowMs: 60_000, maxConcurrent: 10 };
const WORKERS = 3;
const CONCURRENCY = 4;
const PAGE = 50;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 30_000);
/** Nodes' CPU with nothing running, taken off the measured span's. */
const IDLE_MS = 10_000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 90_000);
const PREFIX = 'bench-rc';
const LOGIN = { DASHBOARD_USER: 'bench', DASHBOARD_PASSWORD: 'bench-dashboard-password' };
/** The window queue's hash tag on a cluster (src/infra/redis.ts, queueKeyPrefix). */
const QUEUE_TAG = `{${PREFIX}:${QUEUE_NAME}}`;

/** What one node (or the one server) did: commands by name, CPU seconds. */
interface NodeReading {
  commands: Map<string, number>;
  cpu: number;
}

/** Asks one node (or the one server) something over a connection of its own. */
async function ask<T>(port: number, question: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    return await question(redis);
  } finally {
    redis.disconnect();
  }
}

async function readNode(port: number): Promise<NodeReading> {
  const info = await ask(port, (r) => r.info('all'));
  const commands = new Map<string, number>();
  for (const m of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) commands.set(m[1] as string, Number(m[2]));
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return { commands, cpu: field('used_cpu_user') + field('used_cpu_sys') };
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Per node: commands and CPU between two readings, the top commands. */
function delta(a: NodeReading, b: NodeReading) {
  const byCommand = new Map<string, number>();
  for (const [name, n] of b.commands) byCommand.set(name, n - (a.commands.get(name) ?? 0));
  return { commands: total(byCommand), cpu: b.cpu - a.cpu, byCommand };
}

/** The port of the node that serves `slot`, from CLUSTER SLOTS. */
async function slotOwners(port: number): Promise<(slot: number) => number> {
  const ranges = (await ask(port, (r) => r.cluster('SLOTS'))) as unknown as [
    number,
    number,
    [string, number],
  ][];
  return (slot) => ranges.find(([lo, hi]) => slot >= lo && slot <= hi)?.[2][1] ?? -1;
}

const keySlot = (port: number, key: string) => ask(port, (r) => r.cluster('KEYSLOT', key));

/**
 * Realm ids (digits, as QBO's) whose budgets' slot (the realm is the hash tag) is on a node other
 * than `queuePort`, half on each of the two others.
 */
async function realmsOffQueueNode(cluster: RedisClusterServer, queuePort: number): Promise<string[]> {
  const owner = await slotOwners(cluster.ports[0] as number);
  const others = cluster.ports.filter((p) => p !== queuePort);
  const picked = new Map<number, string[]>(others.map((p) => [p, []]));
  for (let i = 1; [...picked.values()].some((ids) => ids.length < REALMS / others.length); i++) {
    const id = `93000000${String(i).padStart(8, '0')}`;
    const ids = picked.get(owner(await keySlot(queuePort, `{${id}}`)));
    if (ids && ids.length < REALMS / others.length) ids.push(id);
  }
  return [...picked.values()].flat();
}

interface Side {
  label: string;
  ports: number[];
  env: Record<string, string>;
  /** The node holding the window queue's slot. */
  queuePort: number;
}

interface SideResult {
  rows: string[];
  notes: string[];
}

async function cli(args: string[], env: Record<string, string>): Promise<void> {
  const r = await runProductCli(args, env);
  if (r.code !== 0) throw new Error(`qbo-backfill ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}`);
}

/** One side: its own emulator and database, the same realms, workload and span. */
async function runSide(side: Side, realmIds: string[]): Promise<SideResult> {
  const emulator = await spawnEmulator({ profile: 'large', seed: 2612, realmIds, config: LIMITS });
  const tdb = await createTestDatabase();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qbo-bench-rc-'));
  const env: Record<string, string> = {
    ...side.env,
    DATABASE_URL: tdb.url,
    QUEUE_PREFIX: PREFIX,
    QBO_ENVIRONMENT: 'emulator',
    QBO_BASE_URL: emulator.url,
    QBO_TOKEN_URL: emulator.tokenUrl,
    QBO_REQUESTS_PER_MINUTE: String(LIMITS.requestsPerMinute),
    QBO_MAX_CONCURRENT: String(LIMITS.maxConcurrent),
    LOG_LEVEL: 'warn',
  };
  const workers: WorkerProcessHandle[] = [];
  try {
    await cli(['migrate'], env);
    const tokens = path.join(dir, 'tokens.csv');
    await writeFile(tokens, realmIds.map((r) => `${r},${emulator.refreshToken}`).join('\n') + '\n');
    await cli(['auth', 'import', '--file', tokens], env);
    // What the nodes spend with no client (serverCron, the cluster bus), per second.
    const idle0 = await Promise.all(side.ports.map(readNode));
    await sleep(IDLE_MS);
    const idleCpu = (await Promise.all(side.ports.map(readNode))).map(
      (r, i) => (r.cpu - (idle0[i] as NodeReading).cpu) / (IDLE_MS / 1000),
    );
    for (let i = 0; i < WORKERS; i++) workers.push(await spawnWorkerProcess(env, CONCURRENCY));
    // The dashboard, scraped every 5 s as Prometheus would (the backlog gauge KEDA reads): its RSS.
    const dashboard = await spawnDashboardProcess({ ...env, ...LOGIN });
    workers.push(dashboard);
    const auth = `Basic ${Buffer.from(`${LOGIN.DASHBOARD_USER}:${LOGIN.DASHBOARD_PASSWORD}`).toString('base64')}`;
    let scrapes = 0;
    const scraper = setInterval(() => {
      void fetch(`${dashboard.url}/metrics`, { headers: { Authorization: auth } })
        .then((r) => r.text())
        .then(
          () => scrapes++,
          () => undefined,
        );
    }, 5_000);
    const window = ['--from', '2024-01-01', '--to', '2024-03-01', '--windows', 'day'];
    await cli(
      ['enqueue', '--entities', 'invoices', ...window, '--page-size', String(PAGE), '--realm', 'all'],
      env,
    );
    await sleep(WARMUP_MS);
    const load0 = os.loadavg()[0] ?? 0;
    const requests = async () => {
      const stats = await emulatorStats(emulator.url);
      const sum: Record<string, number> = {};
      for (const r of realmIds)
        for (const [status, n] of Object.entries(stats.realms[r]?.requests ?? {}))
          sum[status] = (sum[status] ?? 0) + n;
      return sum;
    };
    const s0 = await requests();
    const n0 = await Promise.all(side.ports.map(readNode));
    const started = new Date();
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    const s1 = await requests();
    const n1 = await Promise.all(side.ports.map(readNode));
    const ended = new Date();
    const minutes = (performance.now() - t0) / 60_000;
    const load1 = os.loadavg()[0] ?? 0;

    const ok = (s1['200'] ?? 0) - (s0['200'] ?? 0);
    const throttled = (s1['429'] ?? 0) - (s0['429'] ?? 0);
    const all = Object.values(s1).reduce((a, b) => a + b, 0) - Object.values(s0).reduce((a, b) => a + b, 0);
    const jobs = Number(
      (
        await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM ops.windows
          WHERE finished_at >= ${started} AND finished_at < ${ended}`.execute(tdb.db)
      ).rows[0]?.n ?? 0,
    );
    const seconds = minutes * 60;
    const nodes = side.ports.map((port, i) => {
      const d = delta(n0[i] as NodeReading, n1[i] as NodeReading);
      return { port, ...d, cpu: d.cpu - (idleCpu[i] as number) * seconds, idle: idleCpu[i] as number };
    });
    const commands = nodes.reduce((n, x) => n + x.commands, 0);
    const budget = REALMS * LIMITS.requestsPerMinute;
    const perMinute = ok / minutes;
    const keys = await keysPerNode(side.ports);
    clearInterval(scraper);
    const rss = Math.max(...workers.filter((w) => w !== dashboard).map((w) => memoryOf(w.pid).peakMiB));
    const dashboardRss = memoryOf(dashboard.pid).peakMiB;
    const queueNode = nodes.find((n) => n.port === side.queuePort)!;
    const span = `load ${load0.toFixed(1)}-${load1.toFixed(1)}`;
    const rows = [
      `| ${side.label}: budget | ${Math.round(perMinute)} requests/min of ${budget} = **${(perMinute / budget).toFixed(3)}**, **429s ${throttled}** (${all} requests, ${jobs} windows ended in ${seconds.toFixed(0)} s) | ${span} |`,
      `| ${side.label}: Redis commands per QBO request | **${(commands / Math.max(1, all)).toFixed(1)}** (${commands} commands over ${nodes.length} node${nodes.length > 1 ? 's' : ''}; ${(commands / Math.max(1, jobs)).toFixed(0)} per window) | |`,
      `| ${side.label}: per node (commands/s, CPU of a core above idle, keys) | ${nodes
        .map(
          (n) =>
            `${n.port === side.queuePort && nodes.length > 1 ? 'queue node' : 'node'} ${n.port}: ${Math.round(n.commands / seconds)}/s, ${((n.cpu / seconds) * 100).toFixed(1)}% (idle ${(n.idle * 100).toFixed(1)}%), ${keys.get(n.port)}`,
        )
        .join('; ')} | |`,
      `| ${side.label}: RSS peak | worker ${rss.toFixed(0)} MiB; dashboard ${dashboardRss.toFixed(0)} MiB (${scrapes} scrapes of /metrics) | |`,
    ];
    const notes = [
      `${side.label}, commands per QBO request by name (every node, scripts' own calls included): ${topCommands(nodes, all)}`,
    ];
    if (nodes.length > 1) {
      // The queue node holds no realm's budget: its commands and CPU are the window queue's
      // (and whatever other tags hash there, listed in its keys).
      // BullMQ moves a job from wait to active with one RPOPLPUSH: one per job taken by a worker,
      // whether it then makes a request or goes back to the delayed set (its realm's budget busy).
      const fetches = queueNode.byCommand.get('rpoplpush') ?? 0;
      const cpuPerFetchMs = (queueNode.cpu * 1000) / Math.max(1, fetches);
      const perCore = 1000 / Math.max(cpuPerFetchMs, 1e-6);
      notes.push(
        `${side.label}, the window queue's node: ${(queueNode.commands / Math.max(1, all)).toFixed(1)} commands and ` +
          `${((queueNode.cpu * 1000) / Math.max(1, all)).toFixed(3)} ms of its CPU (above idle) per QBO request, ` +
          `${((queueNode.cpu / seconds) * 100).toFixed(1)}% of a core at ${(all / seconds).toFixed(1)} requests/s; ` +
          `${(fetches / Math.max(1, all)).toFixed(1)} jobs taken per request (${(fetches / seconds).toFixed(0)}/s), ` +
          `${(queueNode.commands / Math.max(1, fetches)).toFixed(1)} commands and ${cpuPerFetchMs.toFixed(3)} ms of CPU per job taken: ` +
          `one core of that node takes about ${Math.round(perCore)} jobs/s. Busiest budget node ` +
          `${Math.max(...nodes.filter((n) => n !== queueNode).map((n) => n.commands / seconds)).toFixed(0)} commands/s.`,
      );
      notes.push(
        `${side.label}, the window queue's node by command: ${topCommands([queueNode], Math.max(1, all))}`,
      );
    }
    return { rows, notes };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await emulator.close();
    await tdb.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

function topCommands(nodes: { byCommand: Map<string, number> }[], per: number, unit = 'request'): string {
  const sum = new Map<string, number>();
  for (const n of nodes) for (const [k, v] of n.byCommand) sum.set(k, (sum.get(k) ?? 0) + v);
  return (
    [...sum.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, v]) => `${k} ${(v / per).toFixed(2)}`)
      .join(', ') + ` (per ${unit})`
  );
}

/** Keys of the bench on each node, by kind: the window queue, the sync queue, metrics, budgets. */
async function keysPerNode(ports: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const port of ports) {
    const redis = new Redis({ host: '127.0.0.1', port });
    try {
      const kinds = new Map<string, number>();
      const realms = new Set<string>();
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `*${PREFIX}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of batch) {
          const realm = /limiter\.\{?(\d+)\}?_/.exec(key)?.[1];
          if (realm) realms.add(realm);
          const kind = realm
            ? 'budget'
            : key.includes(QUEUE_NAME)
              ? 'window queue'
              : key.includes('sync')
                ? 'sync queue'
                : 'other';
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
      } while (cursor !== '0');
      const list = [...kinds.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
      out.set(port, `${list || 'no keys'}${realms.size ? ` (${realms.size} realms' budgets)` : ''}`);
    } finally {
      redis.disconnect();
    }
  }
  return out;
}

export async function benchRedisCluster(): Promise<BenchResult> {
  const cluster = await RedisClusterServer.start(3);
  const single = await RedisServer.start();
  try {
    const queuePort = (await slotOwners(cluster.ports[0] as number))(
      await keySlot(cluster.ports[0] as number, `${QUEUE_TAG}:wait`),
    );
    const realmIds = await realmsOffQueueNode(cluster, queuePort);
    const one = await runSide(
      {
        label: 'one redis-server',
        ports: [single.port],
        env: { REDIS_URL: single.url },
        queuePort: single.port,
      },
      realmIds,
    );
    const three = await runSide(
      {
        label: 'Redis Cluster, 3 nodes',
        ports: cluster.ports,
        env: { REDIS_CLUSTER_NODES: cluster.nodesEnv },
        queuePort,
      },
      realmIds,
    );
    return {
      rows: [...one.rows, ...three.rows],
      notes: [
        `Workload of each side: ${REALMS} realms of the large profile, invoices 2024-01-01..2024-03-01 by UTC day in pages of ${PAGE}, emulator ${LIMITS.requestsPerMinute} per ${LIMITS.windowMs / 1000} s and ${LIMITS.maxConcurrent} in flight per realm and the workers' budget at it, ${WORKERS} worker processes x ${CONCURRENCY}; ${WARMUP_MS / 1000} s warm-up, then ${MEASURE_MS / 1000} s measured. Realms ${realmIds.join(', ')} (their budgets' slots off the queue's node, ${queuePort}).`,
        ...one.notes,
        ...three.notes,
      ],
    };
  } finally {
    await cluster.destroy();
    await single.destroy();
  }
}
