/**
 * A throw-away PgBouncer of a test's own, in transaction mode, on a free loopback port, in front of
 * a PostgreSQL server (the shared one by default): every database of that server is reachable
 * through it under the same name. Debian's PgBouncer refuses to run as root, so as root it drops
 * to the `postgres` user. Stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { ADMIN_URL } from './db.js';

/** PgBouncer's figures for one database (`SHOW STATS`). */
export interface PoolStats {
  transactions: number;
  queries: number;
}

export class PgBouncerServer {
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
  }

  /** The URL of `url`'s database through this PgBouncer (same user, same database name). */
  urlFor(url: string): string {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(this.port);
    return through.toString();
  }

  /** What PgBouncer logged (its last 20 kB). */
  get log(): string {
    return this.output;
  }

  /**
   * Starts PgBouncer in transaction mode in front of `serverUrl`'s host and port (trust
   * authentication as on the test server; `postgres` is its admin user).
   */
  static async start(
    options: { serverUrl?: string; poolSize?: number; maxClients?: number } = {},
  ): Promise<PgBouncerServer> {
    const server = new URL(options.serverUrl ?? ADMIN_URL);
    const dir = await mkdtemp(path.join(tmpdir(), 'qbo-pgbouncer-'));
    await chmod(dir, 0o755);
    const port = await freePort();
    const ini = path.join(dir, 'pgbouncer.ini');
    const users = path.join(dir, 'userlist.txt');
    await writeFile(users, `"${decodeURIComponent(server.username) || 'postgres'}" ""\n`);
    await writeFile(
      ini,
      [
        '[databases]',
        `* = host=${server.hostname} port=${server.port || '5432'}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${users}`,
        'admin_users = postgres',
        'pool_mode = transaction',
        `max_client_conn = ${options.maxClients ?? 500}`,
        `default_pool_size = ${options.poolSize ?? 20}`,
        '',
      ].join('\n'),
    );
    await Promise.all([chmod(ini, 0o644), chmod(users, 0o644)]);
    const asRoot = process.getuid?.() === 0;
    const child = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), ini], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const bouncer = new PgBouncerServer(port, dir, child);
    try {
      await bouncer.waitUntilReady();
    } catch (err) {
      await bouncer.destroy();
      throw err;
    }
    return bouncer;
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`pgbouncer exited: ${this.output.slice(-500)}`);
      try {
        await this.stats('postgres');
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`pgbouncer did not start: ${this.output.slice(-500)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Transactions and queries PgBouncer has passed to `database` so far (its admin console). */
  async stats(database: string): Promise<PoolStats> {
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${this.port}/pgbouncer`,
      // The admin console speaks the simple protocol only.
      statement_timeout: undefined,
    });
    await client.connect();
    try {
      const res = await client.query({ text: 'SHOW STATS', rowMode: 'array' });
      const names = res.fields.map((f) => f.name);
      const row = res.rows.find((r: unknown[]) => r[names.indexOf('database')] === database) as
        unknown[] | undefined;
      return {
        transactions: Number(row?.[names.indexOf('total_xact_count')] ?? 0),
        queries: Number(row?.[names.indexOf('total_query_count')] ?? 0),
      };
    } finally {
      await client.end();
    }
  }

  /** Stops PgBouncer (SIGKILL) and removes its files. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
