import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { compiled } from './compiled.js';
import { ROOT } from './project-root.js';

export { ROOT };
/** The command line's process entry (what bin/qbo-backfill.js runs), for tests of the process boundary. */
export const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

/**
 * Runs `qbo-backfill <args>` in this process with the given environment (over this process's, as a
 * child would inherit it), capturing its output: milliseconds instead of a node start per call.
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  /**
   * `timeoutMs` only bounds child processes; in-process calls are bounded by the test's own
   * timeout. `now` is the command's clock (default the system's).
   */
  options: { stdin?: string; timeoutMs?: number; now?: () => Date } = {},
): Promise<CliResult> {
  const cli = startCliInProcess(args, env, options);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

export interface InProcessCli {
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code, once the last output has arrived. */
  readonly exited: Promise<number>;
  /** Resolves with the first match of `pattern` in stdout, waiting for it to be printed. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Starts `qbo-backfill <args>` in this process and lets the test read its output while it runs. */
export function startCliInProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { stdin?: string; now?: () => Date } = {},
): InProcessCli {
  const stdout = collect();
  const stderr = collect();
  const exited = main(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from([Buffer.from(options.stdin ?? '')]),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    ...(options.now ? { now: options.now } : {}),
  }).then(async (code) => {
    // PassThrough delivers 'data' on a later tick: let the last writes arrive.
    await new Promise((resolve) => setImmediate(resolve));
    return code;
  });
  return {
    stdout: stdout.text,
    stderr: stderr.text,
    exited,
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      waitFor(
        () => Promise.resolve(pattern.exec(stdout.text()) ?? undefined),
        timeoutMs,
        `output matching ${pattern}`,
        20,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; stdout: ${stdout.text()}; stderr: ${stderr.text()}`);
      }),
  };
}

/** Runs `qbo-backfill <args>` as a real child process: for what only the process boundary shows. */
export function runCliProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiled(BIN), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

export interface CliProcess {
  readonly output: () => string;
  /** Sends SIGTERM and resolves with the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  kill(): void;
  /** Sends a signal without waiting. */
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

/** Starts a long-running command (worker, dashboard, emulator) in a child process. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  return spawnScript(BIN, args, env);
}

/** Starts a TypeScript entry point (the command line, or a test's own process) as a child process, compiled. */
export function spawnScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): CliProcess {
  const child = spawn(process.execPath, [compiled(script), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    output: () => output,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill() {
      child.kill('SIGKILL');
    },
    signal(name) {
      child.kill(name);
    },
    exited,
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
