/**
 * An emulated company worked by worker processes over fresh stores, driven through the command
 * line as an operator would: the set-up of the scenarios that check what lands in the tables.
 */
import assert from 'node:assert/strict';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '@qbo-backfill/emulator';
import { emulatorEnv, waitForRunEnd } from './backfill.js';
import { runCli, spawnCli, type CliProcess } from './cli.js';
import { freshStores, type FreshStores } from './stores.js';

export interface WorkedCompany extends Omit<FreshStores, 'env' | 'close'> {
  emulator: RunningEmulator;
  /** The environment of the workers and the commands: the emulator, the stores, its first realm. */
  env: Record<string, string>;
  realmId: string;
  workers: CliProcess[];
  /** Starts `count` more worker processes, each by `start` with the company's environment. */
  startWorkers(count: number, start: (env: Record<string, string>) => CliProcess): void;
  /** The end of each worker's output, for the message of a wait that failed. */
  output(): string;
  /** Stops the workers (SIGTERM) and the emulator, deletes the keys, drops the database; the workers' exit codes. */
  close(): Promise<(number | null)[]>;
}

export async function workedCompany(options: {
  label: string;
  emulator: Omit<EmulatorOptions, 'port'>;
  /** Added to the environment: QBO's limits as the client should see them. */
  env?: Record<string, string>;
  /** Worker processes started at once, each `qbo-backfill worker --concurrency <concurrency>`. */
  workers?: { count: number; concurrency: number };
}): Promise<WorkedCompany> {
  const stores = await freshStores(options.label);
  const emulator = await startEmulator({ port: 0, ...options.emulator });
  const realmId = emulator.realmIds[0] as string;
  const env = {
    ...emulatorEnv(emulator.url, stores.tdb.url, stores.env.REDIS_URL, stores.prefix, realmId),
    ...options.env,
  };
  const workers: CliProcess[] = [];
  const startWorkers = (count: number, start: (e: Record<string, string>) => CliProcess) => {
    for (let i = 0; i < count; i++) workers.push(start(env));
  };
  const { count = 0, concurrency = 1 } = options.workers ?? {};
  startWorkers(count, (e) => spawnCli(['worker', '--concurrency', String(concurrency)], e));
  return {
    tdb: stores.tdb,
    prefix: stores.prefix,
    emulator,
    env,
    realmId,
    workers,
    startWorkers,
    output: () => workers.map((w) => w.output().slice(-3000)).join('\n---\n'),
    close: async () => {
      const codes = await Promise.all(workers.map((w) => w.stop()));
      await emulator.close();
      await stores.close();
      return codes;
    },
  };
}

/**
 * `enqueue <args> --json` against the company, waited until its run has ended: asserts that the
 * command succeeded and the run did too, and returns the run's id and its job count.
 */
export async function enqueueToEnd(
  company: Pick<WorkedCompany, 'env' | 'tdb'> & { output?: () => string },
  args: string[],
  timeoutMs: number,
): Promise<{ runId: string; jobs: number }> {
  const enq = await runCli(['enqueue', ...args, '--json'], company.env);
  assert.equal(enq.code, 0, enq.stderr);
  const { runId, jobs } = JSON.parse(enq.stdout) as { runId: string; jobs: number };
  assert.equal(await waitForRunEnd(company.tdb.db, runId, timeoutMs), 'succeeded', company.output?.());
  return { runId, jobs };
}

/** `report --run <runId> --format json`, parsed as the test reads it. */
export async function reportJson<T>(env: Record<string, string>, runId: string): Promise<T> {
  const rep = await runCli(['report', '--run', runId, '--format', 'json'], env);
  assert.equal(rep.code, 0, rep.stderr);
  return JSON.parse(rep.stdout) as T;
}
