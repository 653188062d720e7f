import { QueueEvents } from 'bullmq';
import { createRedis, queueKeyPrefix } from '../../infra/redis.js';
import { getEntity } from '../../model/entities.js';
import { bothZones, periodText } from '../../infra/time-format.js';
import { UsageError } from '../../model/usage-error.js';
import { textTable } from '../../infra/text-table.js';
import { plural } from '../../infra/terminal-text.js';
import { parseEntities } from '../../backfill/plan/enqueue.js';
import { syncStart } from '../../sync/sync-marks.js';
import {
  createSyncQueue,
  SYNC_DEFAULTS,
  SYNC_QUEUE_NAME,
  syncJobOptions,
  syncSchedulerId,
  type SyncCycleJobData,
  type SyncCycleSummary,
} from '../../sync/sync-queue.js';
import { setSchedule } from '../../sync/sync-state.js';
import { parseAccountingMethod, parseReports } from '../../backfill/plan/report-plan.js';
import { REPORT_DEFAULTS } from '../../model/reports.js';
import { durationFlag, EXIT, intFlag, realmsFlag, type CommandIo, type RealmsFlag } from '../command.js';
import { producerCommand } from '../producer-command.js';
import type { ProducerContext } from '../producer-context.js';
import { checkRefreshTokens, resolveRealms } from '../realm-checks.js';

const USAGE =
  'qbo-backfill sync --realm ID[,ID...]|all [--entities LIST|all] [--reports NAME[,NAME...]|all [--accounting-method accrual|cash] [--report-months N]] (--once [--json] | --every DURATION | --off) [--reread-every DURATION]';

type Mode = { kind: 'once'; json: boolean } | { kind: 'every'; everyMs: number } | { kind: 'off' };

interface SyncInput {
  realms: RealmsFlag | undefined;
  entities: string[] | null;
  reports: SyncCycleJobData['reports'];
  mode: Mode;
  rereadEveryMs: number;
}

export const syncCommand = producerCommand({
  name: 'sync',
  summary:
    'incremental sync after a backfill (CDC, re-reads of what CDC leaves out, deletions): one cycle now, or a schedule per realm',
  usage: USAGE,
  flags: {
    realm: { type: 'string', multiple: true },
    entities: { type: 'string' },
    once: { type: 'boolean' },
    json: { type: 'boolean' },
    every: { type: 'string' },
    off: { type: 'boolean' },
    'reread-every': { type: 'string' },
    reports: { type: 'string' },
    'accounting-method': { type: 'string' },
    'report-months': { type: 'string' },
  },
  check(values): SyncInput {
    const modes = [values.once && 'once', values.every !== undefined && 'every', values.off && 'off'].filter(
      Boolean,
    );
    if (modes.length !== 1)
      throw new UsageError(`say one of --once, --every DURATION or --off; usage: ${USAGE}`);
    if (values.json && !values.once) throw new UsageError('--json goes with --once');
    const mode: Mode = values.once
      ? { kind: 'once', json: values.json ?? false }
      : values.off
        ? { kind: 'off' }
        : { kind: 'every', everyMs: durationFlag(values.every, 'every', 10_000, 24 * 3_600_000) as number };
    const names = values.reports === undefined ? [] : parseReports(values.reports);
    if (names.length === 0 && (values['accounting-method'] ?? values['report-months']) !== undefined)
      throw new UsageError('--accounting-method and --report-months apply to --reports, which is missing');
    const reports = names.length
      ? {
          names,
          accountingMethod: parseAccountingMethod(values['accounting-method']),
          months:
            intFlag(values['report-months'], 'report-months', 1, 36) ?? REPORT_DEFAULTS.syncTrailingMonths,
        }
      : undefined;
    return {
      // Checked here when given; QBO_REALM_ID is the fallback once the configuration is read.
      realms: values.realm === undefined ? undefined : realmsFlag(values.realm, undefined),
      // With --reports and no --entities, the cycle refreshes the reports alone.
      entities: values.entities === undefined ? (reports ? [] : null) : parseEntities(values.entities),
      reports,
      mode,
      rereadEveryMs:
        durationFlag(values['reread-every'], 'reread-every', 60_000, 7 * 24 * 3_600_000) ??
        SYNC_DEFAULTS.rereadEveryMs,
    };
  },
  async act(ctx, input, io) {
    const flag = input.realms ?? realmsFlag(undefined, ctx.config.qbo.realmId);
    const named = await resolveRealms(ctx.db, flag);
    if (input.mode.kind === 'off') return syncOff(ctx, named, io);
    await checkRefreshTokens(ctx.db, ctx.config, named);
    const realms = await startableRealms(ctx, named, input.entities, flag.all, io);
    if (input.mode.kind === 'every') return syncEvery(ctx, realms, input, input.mode.everyMs, io);
    return syncOnce(ctx, realms, input, input.mode.json, io);
  },
});

/**
 * The realms sync can start from. A realm named by id that cannot is bad input (exit 2, nothing
 * written); with `--realm all` such a realm (connected, never backfilled) is left out with a line
 * on stderr, and only none left is bad input.
 */
async function startableRealms(
  ctx: ProducerContext,
  realms: string[],
  wanted: string[] | null,
  all: boolean,
  io: CommandIo,
): Promise<string[]> {
  const startable: string[] = [];
  for (const realmId of realms) {
    try {
      await checkSyncStart(ctx, realmId, wanted);
      startable.push(realmId);
    } catch (err) {
      if (!all || !(err instanceof UsageError)) throw err;
      io.stderr.write(`left out: ${err.message}\n`);
    }
  }
  if (startable.length === 0)
    throw new UsageError('--realm all: no connected realm has anything to sync from: backfill first');
  return startable;
}

/** Refuses (exit 2, nothing written) a realm sync cannot start from: nothing backfilled, nothing in raw. */
async function checkSyncStart(
  ctx: ProducerContext,
  realmId: string,
  entities: string[] | null,
): Promise<void> {
  // Reports alone need no backfill: they are read from QBO whole each time.
  if (entities !== null && entities.length === 0) return;
  const wanted = (entities ?? parseEntities('all')).map(getEntity);
  const start = await syncStart(ctx.db, realmId, wanted, { establish: false });
  const backfill = `qbo-backfill enqueue --realm ${realmId} --entities ENTITIES --from DATE --to DATE`;
  if (entities !== null && start.missing.length > 0) {
    const named =
      start.missing.length > 3
        ? `${start.missing.slice(0, 3).join(', ')} and ${start.missing.length - 3} more`
        : start.missing.join(', ');
    throw new UsageError(
      `realm ${realmId}: ${named} never backfilled and nothing in raw: backfill first: ${backfill}`,
    );
  }
  if (start.marks.size === 0 && start.pending.length === 0) {
    throw new UsageError(
      `realm ${realmId} has nothing to sync from (never backfilled, nothing in raw): backfill it first: ${backfill}`,
    );
  }
}

function cycleData(
  realmId: string,
  input: SyncInput,
  trigger: SyncCycleJobData['trigger'],
): SyncCycleJobData {
  return {
    realmId,
    entities: input.entities,
    trigger,
    rereadEveryMs: input.rereadEveryMs,
    ...(input.reports ? { reports: input.reports } : {}),
  };
}

async function syncOnce(
  ctx: ProducerContext,
  realms: string[],
  input: SyncInput,
  json: boolean,
  io: CommandIo,
): Promise<number> {
  const queue = createSyncQueue(ctx.redis, ctx.config.queuePrefix);
  // QueueEvents blocks on its connection: one of its own, on a cluster a cluster client too.
  const eventsRedis = createRedis(ctx.config, { forWorker: true });
  eventsRedis.on('error', () => undefined);
  const events = new QueueEvents(SYNC_QUEUE_NAME, {
    connection: eventsRedis,
    prefix: queueKeyPrefix(eventsRedis, ctx.config.queuePrefix, SYNC_QUEUE_NAME),
  });
  try {
    await events.waitUntilReady();
    const jobs = [];
    for (const realmId of realms) {
      jobs.push(
        await queue.add('sync-cycle', cycleData(realmId, input, 'once'), {
          ...syncJobOptions(),
          attempts: 1,
        }),
      );
    }
    if ((await queue.getWorkersCount()) === 0) {
      io.stderr.write(
        'no worker is running: the cycle waits in the queue until one starts (qbo-backfill worker)\n',
      );
    }
    let failed = 0;
    for (const job of jobs) {
      try {
        const summary: SyncCycleSummary = await job.waitUntilFinished(events);
        io.out(json ? JSON.stringify(jsonSummary(summary)) : summaryText(summary));
      } catch (err) {
        failed++;
        const message = err instanceof Error ? err.message : String(err);
        io.stderr.write(`realm ${job.data.realmId}: sync cycle failed: ${message}\n`);
      }
    }
    return failed === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    await events.close().catch(() => undefined);
    eventsRedis.disconnect();
    await queue.close().catch(() => undefined);
  }
}

/** The contract's `--json` object: entities with their upserts and deletions, and the requests. */
function jsonSummary(summary: SyncCycleSummary) {
  const entities: Record<string, { upserted: number; deleted: number }> = {};
  for (const [name, c] of Object.entries(summary.entities))
    entities[name] = { upserted: c.upserted, deleted: c.deleted };
  return {
    realmId: summary.realmId,
    entities,
    ...(summary.reports ? { reports: summary.reports } : {}),
    requests: summary.requests,
  };
}

function summaryText(summary: SyncCycleSummary): string {
  const rows = Object.entries(summary.entities).map(([name, c]) => [
    name,
    c.method,
    c.upserted,
    c.deleted,
    c.requests,
  ]);
  // Reports' rows are replaced whole each time: listed as upserted, read `report`.
  for (const [name, r] of Object.entries(summary.reports ?? {}))
    rows.push([name, 'report', r.rows, 0, r.requests]);
  const totals = Object.values(summary.entities).reduce(
    (t, c) => ({ upserted: t.upserted + c.upserted, deleted: t.deleted + c.deleted }),
    { upserted: 0, deleted: 0 },
  );
  return [
    `realm ${summary.realmId}: sync cycle ${summary.cycleId} ${summary.status}: ${totals.upserted} upserted, ${totals.deleted} deleted, ${plural(summary.requests, 'QBO request')}`,
    textTable(['entity', 'read', 'upserted', 'deleted', 'requests'], rows, { rule: true }),
  ].join('\n');
}

async function syncEvery(
  ctx: ProducerContext,
  realms: string[],
  input: SyncInput,
  everyMs: number,
  io: CommandIo,
): Promise<number> {
  const queue = createSyncQueue(ctx.redis, ctx.config.queuePrefix);
  try {
    for (const realmId of realms) {
      // One scheduler per realm, upserted: running --every again changes the period, never adds one.
      await queue.upsertJobScheduler(
        syncSchedulerId(realmId),
        { every: everyMs },
        { name: 'sync-cycle', data: cycleData(realmId, input, 'schedule'), opts: syncJobOptions() },
      );
      await setSchedule(ctx.db, realmId, {
        everyMs,
        entities: input.entities,
        rereadEveryMs: input.rereadEveryMs,
      });
      const next = new Date(io.now().getTime());
      io.out(
        `realm ${realmId} syncs every ${periodText(everyMs)} (${input.entities?.join(', ') ?? 'every entity it has data for'}); first cycle now (${bothZones(next, ctx.config.displayTimezone)}); stop with: qbo-backfill sync --realm ${realmId} --off`,
      );
    }
    return EXIT.ok;
  } finally {
    await queue.close().catch(() => undefined);
  }
}

async function syncOff(ctx: ProducerContext, realms: string[], io: CommandIo): Promise<number> {
  const queue = createSyncQueue(ctx.redis, ctx.config.queuePrefix);
  try {
    for (const realmId of realms) {
      const removed = await queue.removeJobScheduler(syncSchedulerId(realmId));
      await setSchedule(ctx.db, realmId, null);
      io.out(removed ? `realm ${realmId}: sync schedule removed` : `realm ${realmId} had no sync schedule`);
    }
    return EXIT.ok;
  } finally {
    await queue.close().catch(() => undefined);
  }
}
