/**
 * A throw-away Redis Cluster of a test's own: `redis-server --cluster-enabled yes` on free loopback
 * ports (each node also listens on its port + 10000 for the cluster bus, so that one must be free
 * too), joined with `redis-cli --cluster create`, every slot on one of the nodes, no replicas.
 * Stopped by pid and its files removed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { RedisCluster } from '../../src/config/config.js';

const run = promisify(execFile);
/** Redis listens for its cluster bus on the client port plus this. */
const BUS_OFFSET = 10_000;

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  // Not events.once: its promise for 'listening' rejects on the 'error' of a port in use, which
  // made a taken port (a bus port in the kernel's ephemeral range, held by some client) throw
  // EADDRINUSE out of the suite's set-up instead of answering false.
  const listening = await new Promise<boolean>((resolve) => {
    server.once('listening', () => resolve(true));
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1');
  });
  if (listening) {
    server.close();
    await once(server, 'close');
  }
  return listening;
}

/** A port whose bus port (+10000) is free too, below the kernel's ephemeral range. */
async function freeNodePort(taken: Set<number>): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port) || taken.has(port + BUS_OFFSET)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + BUS_OFFSET))) return port;
  }
  throw new Error('no free port pair (port and port + 10000) for a Redis Cluster node');
}

export interface NodeKeys {
  port: number;
  keys: string[];
}

export class RedisClusterServer {
  private constructor(
    readonly ports: number[],
    private readonly dir: string,
    private readonly children: ChildProcess[],
  ) {}

  /** `REDIS_CLUSTER_NODES` of the cluster. */
  get nodesEnv(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** The cluster as the configuration holds it. */
  get cluster(): RedisCluster {
    return {
      nodes: this.ports.map((port) => ({ host: '127.0.0.1', port })),
      username: undefined,
      password: undefined,
      tls: false,
    };
  }

  /** Starts `nodes` servers and joins them into one cluster, ready once every node says `ok`. */
  static async start(nodes = 3): Promise<RedisClusterServer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'qbo-redis-cluster-'));
    const ports: number[] = [];
    const taken = new Set<number>();
    for (let i = 0; i < nodes; i++) {
      const port = await freeNodePort(taken);
      taken.add(port).add(port + BUS_OFFSET);
      ports.push(port);
    }
    const children: ChildProcess[] = [];
    const server = new RedisClusterServer(ports, dir, children);
    try {
      for (const port of ports) {
        const nodeDir = path.join(dir, String(port));
        await mkdir(nodeDir);
        // Spawned one at a time and recorded at once, so destroy() can stop whatever started.
        children.push(
          spawn(
            'redis-server',
            [
              '--port',
              String(port),
              '--bind',
              '127.0.0.1',
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              'nodes.conf',
              '--cluster-node-timeout',
              '5000',
              '--save',
              '',
              '--appendonly',
              'no',
              '--dir',
              nodeDir,
              '--daemonize',
              'no',
            ],
            { stdio: 'ignore' },
          ),
        );
      }
      for (const port of ports) await waitForPing(port);
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...ports.map((p) => `127.0.0.1:${p}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { timeout: 60_000 },
      );
      for (const port of ports) await waitForClusterOk(port);
    } catch (err) {
      await server.destroy();
      throw err;
    }
    return server;
  }

  /** Every key of each node (SCAN), by node. */
  async keysByNode(pattern = '*'): Promise<NodeKeys[]> {
    return Promise.all(
      this.ports.map(async (port) => {
        const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
        try {
          const keys: string[] = [];
          let cursor = '0';
          do {
            const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            cursor = next;
            keys.push(...batch);
          } while (cursor !== '0');
          return { port, keys: keys.sort() };
        } finally {
          redis.disconnect();
        }
      }),
    );
  }

  /** Commands each node has processed (`INFO commandstats`, all commands summed), by port. */
  async commandCalls(): Promise<Map<number, number>> {
    const calls = new Map<number, number>();
    for (const port of this.ports) calls.set(port, await nodeCommandCalls(port));
    return calls;
  }

  /** Stops every node (SIGKILL: nothing is kept) and removes their files. Safe to call twice. */
  async destroy(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    this.children.length = 0;
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The sum of `calls=` over a server's `INFO commandstats`. */
export async function nodeCommandCalls(port: number): Promise<number> {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('commandstats');
    let total = 0;
    for (const m of info.matchAll(/calls=(\d+)/g)) total += Number(m[1]);
    return total;
  } finally {
    redis.disconnect();
  }
}

async function probe<T>(port: number, ask: (redis: Redis) => Promise<T>): Promise<T | undefined> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await ask(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function waitForPing(port: number): Promise<void> {
  return waitUntil(
    `redis-server on port ${port}`,
    async () => (await probe(port, (r) => r.ping())) === 'PONG',
  );
}

function waitForClusterOk(port: number): Promise<void> {
  return waitUntil(`the cluster to be ok on port ${port}`, async () =>
    /cluster_state:ok/.test((await probe(port, (r) => r.cluster('INFO'))) ?? ''),
  );
}
