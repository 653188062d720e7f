/**
 * The product's own processes as benchmarks start them: `qbo-backfill worker`, `dashboard` and
 * one-off commands, run from the compiled dist/ as production runs them; and how a bench's child
 * process is profiled and ended.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** BENCH_CPU_PROF=<dir>: each worker and emulator process writes a V8 CPU profile there when it exits. */
export function cpuProfileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Ends a child process: `ask` it to stop, SIGKILL after `graceMs`; resolves once it has exited. */
export async function endChild(child: ChildProcess, ask: () => void, graceMs: number): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  ask();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A `qbo-backfill worker` child process, as production runs it. */
export interface WorkerProcessHandle {
  pid: number;
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The command as `npm ci` installs it: bin/qbo-backfill.js runs the compiled dist/. */
const CLI_BIN = fileURLToPath(new URL('../bin/qbo-backfill.js', import.meta.url));
let built = false;

/**
 * Compiles src/ into dist/ once per bench process, so the workers measured run what production
 * runs (no TypeScript loader: it adds ~0.3 CPU s a start and ~40 MB of RSS) and match the sources.
 */
export function buildProduct(): void {
  if (built) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  built = true;
}

/** Starts `qbo-backfill worker --concurrency N` with `env` and waits until it takes jobs. */
export async function spawnWorkerProcess(
  env: Record<string, string>,
  concurrency: number,
): Promise<WorkerProcessHandle> {
  buildProduct();
  const child = spawn(
    process.execPath,
    [...cpuProfileFlags(), CLI_BIN, 'worker', '--concurrency', String(concurrency)],
    { env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // The logger writes to stderr; after the start line it is only drained.
  const lines = createInterface({ input: child.stderr });
  await Promise.race([
    new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        if (line.includes('worker started')) resolve();
        // Warnings and errors still reach the console.
        else if (!line.startsWith('{"level":30')) process.stderr.write(`${line}\n`);
      }),
    ),
    once(child, 'exit').then(([code]) => {
      throw new Error(`worker process exited with ${String(code)} before starting`);
    }),
  ]);
  let closed: Promise<void> | undefined;
  return {
    pid: child.pid as number,
    close() {
      closed ??= endChild(child, () => child.kill('SIGTERM'), 30_000);
      return closed;
    },
  };
}

/** What a `qbo-backfill` command run as a process printed, its exit code and its wall time. */
export interface ProductCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `qbo-backfill <args>` as the installed command (compiled dist/) with `env` over this process's. */
export async function runProductCli(args: string[], env: Record<string, string>): Promise<ProductCliResult> {
  buildProduct();
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr, ms: performance.now() - t0 };
}

/** A `qbo-backfill dashboard` child process, as production runs it, and its URL. */
export interface DashboardProcessHandle extends WorkerProcessHandle {
  url: string;
}

/** Starts `qbo-backfill dashboard` on a free loopback port with `env` and waits for its URL. */
export async function spawnDashboardProcess(env: Record<string, string>): Promise<DashboardProcessHandle> {
  buildProduct();
  const child = spawn(process.execPath, [CLI_BIN, 'dashboard', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await Promise.race([
    new Promise<string>((resolve) =>
      lines.on('line', (line) => {
        const found = /dashboard listening on (\S+)/.exec(line)?.[1];
        if (found) resolve(found);
      }),
    ),
    once(child, 'exit').then(([code]): string => {
      throw new Error(`dashboard process exited with ${String(code)} before listening`);
    }),
  ]);
  return {
    url,
    pid: child.pid as number,
    close: () => endChild(child, () => child.kill('SIGTERM'), 15_000),
  };
}
