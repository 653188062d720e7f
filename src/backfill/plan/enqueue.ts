import { randomBytes } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import type { Selectable } from 'kysely';
import type { Db } from '../../infra/db.js';
import type { RunTable, WindowsPlan } from '../../model/db-types.js';
import { ALL_ENTITIES, entityNames, findEntity } from '../../model/entities.js';
import type { WindowJobData } from '../../infra/queue.js';
import { createRun, findLiveRun } from '../state/index.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { QBO_MAX_PAGE_SIZE } from '../../qbo/query.js';
import { planDays, type DayWindow } from './dates.js';
import { reportMonths } from './report-plan.js';
import type { AccountingMethod } from '../../model/reports.js';
import { addWindowJobs, type JobOrder, type WindowToEnqueue } from './job-options.js';

export interface EnqueueRequest {
  realmId: string;
  entities: string[];
  from: Date;
  to: Date;
  startAt: Date;
  /** Rows per page, 1 to QBO's maximum (the CLI's default: fewest requests). */
  pageSize: number;
  /**
   * `adaptive`: one window per entity over the whole range, which the worker splits into
   * day-aligned parts where the data is dense (requests follow the records); `day`: one window per
   * entity and UTC day (requests follow the days). The CLI's default is `adaptive`; callers of
   * the library say which.
   */
  windows: WindowsPlan;
  /** Reports the run also reads, per calendar month of the range (registry names). */
  reports?: string[];
  /** The reports' basis, sent to QBO with every report request. */
  accountingMethod?: AccountingMethod;
}

export const WINDOWS_PLANS = ['adaptive', 'day'] as const satisfies readonly WindowsPlan[];

export interface EnqueuePlan {
  request: EnqueueRequest;
  /** The UTC days of the range. */
  windows: DayWindow[];
  /** Jobs (and windows) the plan enqueues. */
  jobs: number;
  /** Jobs a plan of day windows would enqueue: the per-day worst case of the forecast. */
  perDayJobs: number;
  windowsPlan: WindowsPlan;
  dedupeKey: string;
  /** One window per report and calendar month. */
  reportWindows: (DayWindow & { entity: string })[];
}

export interface EnqueueResult {
  runId: string;
  jobs: number;
  startAt: Date;
  /** True when a live run of the same backfill was found and returned unchanged. */
  existing: boolean;
}

/** How many unknown entity names the error names; the rest are counted. */
const SHOWN_UNKNOWN = 3;

/** Parses `--entities`: known names only (`all` is every one), no duplicates, in the order given. */
export function parseEntities(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') {
    throw new UsageError(
      `--entities is required (entity names or ${ALL_ENTITIES}; qbo-backfill entities lists them)`,
    );
  }
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .flatMap((n) => (n === ALL_ENTITIES ? entityNames() : [n]));
  const unknown = names.filter((n) => !findEntity(n));
  if (unknown.length) {
    const more = unknown.length > SHOWN_UNKNOWN ? ` and ${unknown.length - SHOWN_UNKNOWN} more` : '';
    const named = unknown.slice(0, SHOWN_UNKNOWN).map((u) => quoteInput(u));
    throw new UsageError(
      `--entities: unknown entity ${named.join(', ')}${more}; qbo-backfill entities lists the known ones`,
    );
  }
  return [...new Set(names)];
}

/**
 * The windows of one entity: a UTC day each for entities read by LastUpdatedTime, one for the
 * whole run for those read whole (snapshots, tax codes and rates). That one is labelled with the
 * run's first day and spans the run's range, though its query has no time condition.
 */
export function entityWindows(entity: string, days: DayWindow[], plan: WindowsPlan = 'day'): DayWindow[] {
  const first = days[0];
  const last = days[days.length - 1];
  // An adaptive plan reads every entity as one window over the range, like a whole read.
  if ((plan === 'day' && findEntity(entity)?.read !== 'whole') || !first || !last) return days;
  return [{ day: first.day, start: first.start, end: last.end }];
}

export function planBackfill(request: EnqueueRequest): EnqueuePlan {
  if (!Number.isInteger(request.pageSize) || request.pageSize < 1 || request.pageSize > QBO_MAX_PAGE_SIZE) {
    throw new UsageError(
      `--page-size: expected an integer from 1 to ${QBO_MAX_PAGE_SIZE} (QBO's MAXRESULTS cap)`,
    );
  }
  const windows = planDays(request.from, request.to);
  const reports = request.reports ?? [];
  const dedupeKey = [
    request.realmId,
    [...request.entities].sort().join(','),
    request.from.toISOString(),
    request.to.toISOString(),
    // A run without reports keeps the key it had before reports existed.
    ...(reports.length ? [`reports:${[...reports].sort().join(',')}:${request.accountingMethod ?? ''}`] : []),
  ].join('|');
  const windowsPlan = request.windows;
  const months = reports.length ? reportMonths(request.from, request.to) : [];
  const reportWindows = reports.flatMap((entity) => months.map((m) => ({ entity, ...m })));
  const jobs = planJobs(request.entities, windows, windowsPlan) + reportWindows.length;
  return {
    request,
    windows,
    jobs,
    reportWindows,
    perDayJobs: planJobs(request.entities, windows, 'day'),
    windowsPlan,
    dedupeKey,
  };
}

/** The jobs a plan enqueues for `entities` over `days` (before any split). */
export function planJobs(entities: string[], days: DayWindow[], plan: WindowsPlan): number {
  return entities.reduce((n, e) => n + entityWindows(e, days, plan).length, 0);
}

function newRunId(now: Date): string {
  // Sortable by creation, no `:` (BullMQ job ids embed it), unique without coordination.
  return `r${now
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Records the run and its windows, then adds one delayed job per entity and UTC day. A live run
 * of the same backfill (same realm, entities and range, still scheduled or running) is returned
 * instead; the partial unique index on ops.runs makes that hold even for two producers at once.
 */
export async function enqueueBackfill(
  db: Db,
  queue: Queue<WindowJobData>,
  plan: EnqueuePlan,
  now = new Date(),
  /** BullMQ options of the window jobs; default WINDOW_JOB_OPTIONS (tests shorten the backoff). */
  jobOptions?: JobsOptions,
): Promise<EnqueueResult> {
  const { request } = plan;
  const runId = newRunId(now);
  const created = await createRun(db, {
    runId,
    realmId: request.realmId,
    entities: request.entities,
    from: request.from,
    to: request.to,
    pageSize: request.pageSize,
    startAt: request.startAt,
    dedupeKey: plan.dedupeKey,
    windowsPlan: plan.windowsPlan,
    windows: [
      ...request.entities.flatMap((entity) =>
        entityWindows(entity, plan.windows, plan.windowsPlan).map((w) => ({ entity, ...w })),
      ),
      ...plan.reportWindows,
    ],
    reports: request.reports ?? [],
    accountingMethod: request.reports?.length ? (request.accountingMethod ?? null) : null,
  });

  if (!created) {
    const live = await findLiveRun(db, plan.dedupeKey);
    if (!live) throw new Error(`the live run of this backfill ended while enqueueing; run enqueue again`);
    // Re-adding the pending windows is a no-op for jobs that exist (same ids) and repairs a run
    // whose producer died between recording it and adding its jobs.
    await addPendingJobs(db, queue, live, live.start_at_utc, now, jobOptions);
    const jobs = await db
      .selectFrom('ops.windows')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', '=', live.run_id)
      .executeTakeFirstOrThrow();
    return { runId: live.run_id, jobs: Number(jobs.n), startAt: live.start_at_utc, existing: true };
  }

  const windows: WindowToEnqueue[] = [
    ...request.entities.flatMap((entity) =>
      entityWindows(entity, plan.windows, plan.windowsPlan).map((w) => ({ entity, ...w })),
    ),
    ...plan.reportWindows,
  ].map((w) => ({ runId, realmId: request.realmId, ...w, pageSize: request.pageSize, generation: 0 }));
  await addWindowJobs(queue, windows, request.startAt, now, jobOptions);
  return { runId, jobs: windows.length, startAt: request.startAt, existing: false };
}

/**
 * (Re-)adds the jobs of a run's pending windows under their current generation's ids, in time
 * order; `order` says where they go (see JobOrder). A window whose job still exists keeps it.
 */
export async function addPendingJobs(
  db: Db,
  queue: Queue<WindowJobData>,
  run: Pick<Selectable<RunTable>, 'run_id' | 'realm_id' | 'page_size'>,
  startAt: Date,
  now = new Date(),
  jobOptions?: JobsOptions,
  order: JobOrder = 'first',
): Promise<number> {
  const pending = await db
    .selectFrom('ops.windows')
    .selectAll()
    .where('run_id', '=', run.run_id)
    .where('status', '=', 'pending')
    .orderBy('window_start_utc')
    .orderBy('entity')
    .execute();
  await addWindowJobs(
    queue,
    pending.map((w) => ({
      runId: run.run_id,
      realmId: run.realm_id,
      entity: w.entity,
      day: w.day,
      start: w.window_start_utc,
      end: w.window_end_utc,
      pageSize: run.page_size,
      generation: w.generation,
    })),
    startAt,
    now,
    jobOptions,
    order,
  );
  return pending.length;
}
