/** What every benchmark shares: timing, the machine line, the emulator (in or out of process). */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { EmulatorOptions } from '@qbo-backfill/emulator';
import { cpuProfileFlags, endChild } from './product-processes.js';
import type { EntityDefinition } from '../src/model/entities.js';
import { pageStatement } from '../src/qbo/query.js';
import { planBackfill, type EnqueuePlan } from '../src/backfill/plan/enqueue.js';
import type { PageAudit } from '../src/raw/upsert-page.js';
import { Queue } from 'bullmq';
import { parseConfig, type Config } from '../src/config/config.js';
import { QUEUE_NAME, type WindowJobData } from '../src/infra/queue.js';
import { startWorker, type RunningWorker } from '../src/worker/worker-process.js';
import { emulatorEnv } from '../test/helpers/backfill.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';

export const silent = pino({ level: 'silent' });

/** Milliseconds since `t0`, rounded. */
export const ms = (t0: number) => Math.round(performance.now() - t0);

export const rate = (rows: number, millis: number) => Math.round((rows / millis) * 1000);

/** One benchmark's output: table rows (`| name | result | time |`) and notes printed under the table. */
export interface BenchResult {
  rows: string[];
  notes?: string[];
}

/** The machine and moment a figure was measured on, printed beside every run. */
export function machineLine(): string {
  const [l1, l5] = os.loadavg();
  return (
    `${new Date().toISOString()} · ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}) · ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB · Node ${process.version} · load ${l1?.toFixed(2)}/${l5?.toFixed(2)}`
  );
}

/** The parts of an emulator a benchmark talks to over HTTP. */
export interface EmulatorHandle {
  url: string;
  realmIds: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  tokenUrl: string;
  /** The emulator's process id, for CPU accounting. */
  pid: number;
  close(): Promise<void>;
}

/** Starts the emulator in a child process (see emulator-child.ts) and waits for its URL. */
export async function spawnEmulator(options: EmulatorOptions): Promise<EmulatorHandle> {
  const script = fileURLToPath(new URL('./emulator-child.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [...cpuProfileFlags(), '--import', 'tsx', script, JSON.stringify(options)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`emulator process exited with ${String(code)} before listening`);
    }),
  ])) as [string];
  lines.close();
  const info = JSON.parse(first) as Omit<EmulatorHandle, 'close' | 'pid'>;
  let closed: Promise<void> | undefined;
  return {
    ...info,
    pid: child.pid as number,
    close() {
      closed ??= endChild(child, () => child.stdin?.end(), 5_000);
      return closed;
    },
  };
}

/** An access token from the emulator's token endpoint, for benchmarks that query it directly. */
export async function accessToken(
  emulator: Pick<EmulatorHandle, 'clientId' | 'clientSecret' | 'tokenUrl' | 'refreshToken'>,
): Promise<string> {
  const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');
  const res = await fetch(emulator.tokenUrl, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&refresh_token=${emulator.refreshToken}`,
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One page of one UTC day, as the worker asks for it; returns the body's text. */
export async function fetchDayPage(
  emulatorUrl: string,
  token: string,
  realmId: string,
  entity: EntityDefinition,
  day: Date,
  pageSize = 1000,
): Promise<{ body: string; statement: string }> {
  const statement = pageStatement(entity, day, new Date(day.getTime() + 86_400_000), 1, pageSize);
  const res = await fetch(
    `${emulatorUrl}/v3/company/${realmId}/query?query=${encodeURIComponent(statement)}&minorversion=75`,
    { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } },
  );
  if (!res.ok) throw new Error(`emulator answered ${res.status} for ${statement}`);
  return { body: await res.text(), statement };
}

export const DAY_MS = 86_400_000;

export function utcDay(iso: string, plusDays = 0): Date {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + plusDays * DAY_MS);
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    return statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) in the text of a /proc/<pid>/stat file. */
export function statCpu(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** Peak and current resident memory of a process, in MiB (VmHWM, VmRSS; 0 once it is gone). */
export function memoryOf(pid: number | undefined): { peakMiB: number; rssMiB: number } {
  let status = '';
  try {
    if (pid !== undefined) status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // gone
  }
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

/** Resident memory of a process now, in MiB (0 once it is gone). */
export function rssMiB(pid: number | undefined): number {
  return memoryOf(pid).rssMiB;
}

/** What a bench that runs workers in process opens; {@link closeBench} closes it in order. */
export interface BenchParts {
  workers: readonly { close(): Promise<unknown> }[];
  queue: { close(): Promise<unknown> };
  prefix: string;
  emulator: { close(): Promise<unknown> };
  tdb: { drop(): Promise<unknown> };
}

/** Workers first (they hold the queue and the database), then the queue, its keys, QBO, the database. */
export async function closeBench(parts: BenchParts): Promise<void> {
  await Promise.all(parts.workers.map((w) => w.close()));
  await parts.queue.close();
  await deletePrefix(parts.prefix);
  await parts.emulator.close();
  await parts.tdb.drop();
}

/** Workers in this process over a fresh database and prefix, reading the emulator's first realm. */
export interface BenchWorkers {
  tdb: TestDatabase;
  prefix: string;
  realmId: string;
  config: Config;
  queue: Queue<WindowJobData>;
  workers: RunningWorker[];
}

/** `count` workers of `concurrency` slots each, at the product's default budget. */
export async function startBenchWorkers(
  emulator: { url: string; realmIds: readonly string[] },
  label: string,
  count: number,
  concurrency: number,
): Promise<BenchWorkers> {
  const tdb = await createTestDatabase();
  const prefix = uniquePrefix(label);
  const realmId = emulator.realmIds[0] as string;
  const config = parseConfig({
    ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
    LOG_LEVEL: 'silent',
  });
  const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
  const workers = Array.from({ length: count }, () => startWorker({ config, logger: silent, concurrency }));
  return { tdb, prefix, realmId, config, queue, workers };
}

/** The audit of a one-page window of `day` (a UTC day), as the benches that upsert pages write it. */
export function dayPageAudit(realmId: string, day: Date, requestPayload: string): PageAudit {
  return {
    realmId,
    runId: 'bench',
    windowStart: day,
    windowEnd: new Date(day.getTime() + DAY_MS),
    pageNumber: 1,
    pageSize: 1000,
    requestPayload,
  };
}

/**
 * A plan of one window per entity and UTC day (`--windows day`), pages of 1,000, starting now unless
 * `startAt` says otherwise: the plan the benches were written against, so each measures the same
 * work as when it was written (docs/BENCHMARKS.md).
 */
export function dayPlan(
  realmId: string,
  entities: readonly string[],
  from: Date,
  to: Date,
  options: { startAt?: Date; pageSize?: number } = {},
): EnqueuePlan {
  return planBackfill({
    windows: 'day',
    realmId,
    entities: [...entities],
    from,
    to,
    startAt: options.startAt ?? new Date(),
    pageSize: options.pageSize ?? 1000,
  });
}
