/**
 * A throw-away PostgreSQL server of a test's own (initdb + pg_ctl on a free port, as the system
 * user `postgres`), for drills that stop, kill or freeze the database: never the shared one.
 */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** The newest PostgreSQL installed from Debian's packages. */
async function binDir(): Promise<string> {
  const { stdout } = await run('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1']);
  const dir = stdout.trim();
  if (!dir) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return dir;
}

/** Runs a PostgreSQL binary as the `postgres` user (initdb refuses root). */
async function asPostgres(bin: string, args: string[]): Promise<string> {
  const { stdout } = await run('runuser', ['-u', 'postgres', '--', bin, ...args], { timeout: 60_000 });
  return stdout;
}

export class PostgresServer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  /** Superuser URL of the `postgres` database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  static async start(): Promise<PostgresServer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'qbo-pg-'));
    await chmod(dir, 0o755);
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
    const server = new PostgresServer(await freePort(), dir, await binDir());
    await asPostgres(path.join(server.bin, 'initdb'), [
      '-D',
      server.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '--no-instructions',
    ]);
    await server.restart();
    return server;
  }

  /** Starts the server and waits until it accepts connections. */
  async restart(): Promise<void> {
    await asPostgres(path.join(this.bin, 'pg_ctl'), [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      // Durability is not what these drills test; fsync off keeps them fast on a busy machine.
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  }

  /**
   * Stops the server. `immediate` is a crash: every connection is cut and the next start runs
   * recovery; `fast` is a clean shutdown that still disconnects every client.
   */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await asPostgres(path.join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
  }

  /**
   * Freezes every server process (SIGSTOP) so connections stay open but nothing answers, as when
   * the network to the database is cut; `thaw` lets it go on.
   */
  async freeze(): Promise<void> {
    await this.signalAll('STOP');
  }

  async thaw(): Promise<void> {
    await this.signalAll('CONT');
  }

  private async signalAll(signal: 'STOP' | 'CONT'): Promise<void> {
    const pid = (await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
    // The postmaster and every backend it forked.
    await run('bash', ['-c', `kill -${signal} ${pid} $(pgrep -P ${pid}) 2>/dev/null || true`]);
  }

  /** Stops the server if it runs and removes its files. Safe to call twice. */
  async destroy(): Promise<void> {
    await this.thaw().catch(() => undefined);
    await this.stop('immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid), gid: Number(gid) };
}
