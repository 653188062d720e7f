/**
 * A drill's whole cluster: PostgreSQL and Redis (the shared ones, or servers of the drill's own
 * when it breaks them), the QBO emulator over HTTP, and several real worker processes. The drill
 * breaks something mid-run; the cluster checks that the run ends by itself with every window
 * succeeded and every raw table equal to the emulator's truth, and measures what it took.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queue } from 'bullmq';
import { startEmulator, type EmulatorConfig, type ProfileName } from '@qbo-backfill/emulator';
import { createDb, type Db } from '../../src/infra/db.js';
import { migrateToLatest } from '../../src/infra/migrate.js';
import { createQueue, type WindowJobData } from '../../src/infra/queue.js';
import { createRedis, type RedisClient } from '../../src/infra/redis.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { PostgresServer } from '../helpers/own-postgres.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorEnv } from '../helpers/backfill.js';
import { RedisServer } from '../rate-limit/redis-server.js';
import type { RedisClusterServer } from '../helpers/redis-cluster.js';
import type { PgBouncerServer } from '../helpers/pgbouncer.js';
import { compiled } from '../helpers/compiled.js';
import { expectOneReadPerWindow, expectRunComplete, type RunFigures } from './drill-checks.js';

export type { RunFigures };

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-child.ts');
export const DRILL_ENTITIES = ['invoices', 'customers', 'items'];

export interface ClusterOptions {
  /** The drill's range (ISO instants); its runs back up [from, to). */
  from: string;
  to: string;
  /** A PostgreSQL server of the drill's own (it will be stopped, killed or frozen). */
  ownPostgres?: boolean;
  /** A persistent redis-server of the drill's own (it will be killed and restarted). */
  ownRedis?: boolean;
  workers?: number;
  emulator?: Partial<EmulatorConfig>;
  /** The emulator's company. Default: sandbox. */
  profile?: ProfileName;
  /** The entities the drill backs up. Default: DRILL_ENTITIES. */
  entities?: string[];
  /** Extra environment of the worker processes. */
  env?: Record<string, string>;
  /** A Redis Cluster instead of one Redis server, for the workers and the drill's queue. */
  redisCluster?: RedisClusterServer;
  /**
   * PgBouncer in transaction mode in front of the drill's database: the workers' `DATABASE_URL`,
   * with `DATABASE_DIRECT_URL` the database itself.
   */
  pgbouncer?: PgBouncerServer;
}

interface WorkerProcess {
  child: ChildProcess;
  output: string[];
}

export class DrillCluster {
  readonly workers: WorkerProcess[] = [];
  private queue!: Queue<WindowJobData>;
  /** The queue's own cluster client (a single server's queue opens its own connection). */
  private queueRedis: RedisClient | undefined;
  db!: Db;
  emulator!: Emulator;
  realmId!: string;
  pg: PostgresServer | undefined;
  redis: RedisServer | undefined;
  private tdb: TestDatabase | undefined;
  private dbUrl!: string;
  private redisUrl!: string;
  readonly prefix = uniquePrefix('drill');
  /** Records that moved out of the range while the run read them (see expectComplete). */
  movedAway = 0;

  private constructor(private readonly options: ClusterOptions) {}

  get from(): string {
    return this.options.from;
  }
  get to(): string {
    return this.options.to;
  }
  get entities(): string[] {
    return this.options.entities ?? DRILL_ENTITIES;
  }

  static async start(options: ClusterOptions): Promise<DrillCluster> {
    const c = new DrillCluster(options);
    if (options.ownPostgres) {
      c.pg = await PostgresServer.start();
      c.dbUrl = c.pg.url;
      await migrateToLatest(c.dbUrl);
      c.db = createDb(c.dbUrl, { max: 3 });
    } else {
      c.tdb = await createTestDatabase();
      c.dbUrl = c.tdb.url;
      c.db = c.tdb.db;
    }
    if (options.ownRedis) {
      c.redis = await RedisServer.start({ persistent: true });
      c.redisUrl = c.redis.url;
    } else {
      c.redisUrl = TEST_REDIS_URL;
    }
    c.emulator = await startEmulator({
      port: 0,
      seed: 2026,
      config: options.emulator ?? {},
      ...(options.profile ? { profile: options.profile } : {}),
    });
    c.realmId = c.emulator.realmIds[0] as string;
    // The producer's queue fails fast while Redis is away instead of waiting for it.
    if (options.redisCluster) {
      c.queueRedis = createRedis({ redisUrl: c.redisUrl, redisCluster: options.redisCluster.cluster });
      c.queueRedis.on('error', () => undefined);
    }
    c.queue = createQueue(c.queueRedis ?? { url: c.redisUrl }, c.prefix);
    c.queue.on('error', () => undefined);
    for (let i = 0; i < (options.workers ?? 3); i++) c.startWorker();
    return c;
  }

  workerEnv(): Record<string, string> {
    const { redisCluster, pgbouncer } = this.options;
    return {
      ...emulatorEnv(this.emulator.url, this.dbUrl, this.redisUrl, this.prefix, this.realmId),
      ...(redisCluster ? { REDIS_CLUSTER_NODES: redisCluster.nodesEnv } : {}),
      ...(pgbouncer ? { DATABASE_URL: pgbouncer.urlFor(this.dbUrl), DATABASE_DIRECT_URL: this.dbUrl } : {}),
      LOG_LEVEL: 'info',
      ...this.options.env,
    };
  }

  startWorker(): WorkerProcess {
    const child = spawn(process.execPath, [compiled(CHILD)], {
      env: { ...process.env, ...this.workerEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker: WorkerProcess = { child, output: [] };
    let rest = '';
    const take = (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      worker.output.push(...lines);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.workers.push(worker);
    return worker;
  }

  /** Workers whose process ended without being asked to (a crash). */
  crashed(): WorkerProcess[] {
    return this.workers.filter(
      (w) => w.child.exitCode !== null && w.child.signalCode === null && w.child.exitCode !== 0,
    );
  }

  /** Log lines of every worker matching `pattern`. */
  lines(pattern: RegExp): string[] {
    return this.workers.flatMap((w) => w.output.filter((l) => pattern.test(l)));
  }

  async enqueue(pageSize = 2, realmId = this.realmId): Promise<string> {
    const plan = planBackfill({
      windows: 'day',
      realmId,
      entities: this.entities,
      from: new Date(this.from),
      to: new Date(this.to),
      startAt: new Date(),
      pageSize,
    });
    const run = await enqueueBackfill(this.db, this.queue, plan, new Date(), {
      attempts: 3,
      backoff: { type: 'fixed', delay: 300 },
    });
    return run.runId;
  }

  /** Resolves once `check` holds, tolerating a database that is away meanwhile. */
  async until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async committedPages(runId: string): Promise<number> {
    const r = await this.db
      .selectFrom('ops.windows')
      .select((eb) => eb.fn.sum<number>('pages').as('n'))
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    return Number(r.n ?? 0);
  }

  async runStatus(runId: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('ops.runs')
      .select('status')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return r?.status;
  }

  /** See expectRunComplete (drill-checks.ts). */
  expectComplete(
    runId: string,
    startedAt: number,
    options: { timeoutMs?: number; movedAway?: boolean; realmId?: string } = {},
  ): Promise<RunFigures> {
    return expectRunComplete(this, runId, startedAt, options);
  }

  /** See expectOneReadPerWindow (drill-checks.ts). */
  expectExactCounters(runId: string, pageSize: number): Promise<{ windows: number; pages: number }> {
    return expectOneReadPerWindow(this, runId, pageSize);
  }

  async stopWorkers(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.child.exitCode !== null || w.child.signalCode !== null) return;
        const exited = once(w.child, 'exit');
        w.child.kill(signal);
        const timer = setTimeout(() => w.child.kill('SIGKILL'), 60_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Stops everything; safe to call twice. */
  async destroy(): Promise<void> {
    await this.pg?.thaw().catch(() => undefined);
    // A worker a drill froze (SIGSTOP) takes no SIGTERM until it runs again.
    for (const w of this.workers) if (w.child.exitCode === null) w.child.kill('SIGCONT');
    await this.stopWorkers().catch(() => undefined);
    await this.queue?.close().catch(() => undefined);
    this.queueRedis?.disconnect();
    await this.emulator?.close().catch(() => undefined);
    if (this.tdb) await this.tdb.drop();
    else await this.db?.destroy().catch(() => undefined);
    await this.pg?.destroy();
    if (this.redis) await this.redis.destroy();
    else await deletePrefix(this.prefix).catch(() => undefined);
  }
}
