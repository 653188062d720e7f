import type { Config } from '../../config/config.js';
import { findEntity } from '../../model/entities.js';
import { bothZones, shortDuration, utcInstant } from '../../infra/time-format.js';
import { plural } from '../../infra/terminal-text.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { checkRange, parseFrom, parseStartAt, parseTo } from '../../backfill/plan/dates.js';
import {
  enqueueBackfill,
  parseEntities,
  planBackfill,
  WINDOWS_PLANS,
  type EnqueuePlan,
  type EnqueueResult,
} from '../../backfill/plan/enqueue.js';
import type { WindowsPlan } from '../../model/db-types.js';
import { forecastBackfill, forecastText } from '../../backfill/plan/forecast.js';
import { windowJobOptions } from '../../backfill/plan/job-options.js';
import { followFromCli } from '../follow.js';
import { EXIT, intFlag, parseFlags, realmsFlag, type Command, type CommandIo } from '../command.js';
import { withProducer } from '../producer-context.js';
import { checkRefreshTokens, resolveRealms } from '../realm-checks.js';
import { withDb } from './auth-common.js';
import { QBO_MAX_PAGE_SIZE } from '../../qbo/query.js';
import { parseAccountingMethod, parseReports } from '../../backfill/plan/report-plan.js';

/** Defaults of `enqueue`, declared once (the demo enqueues with them too). */
export const ENQUEUE_DEFAULTS = Object.freeze({
  /** Rows per page: QBO's maximum, the fewest requests. @defaultValue 1000 */
  pageSize: QBO_MAX_PAGE_SIZE,
  /** Reads that follow the data's density, split into days where dense. @defaultValue `adaptive` */
  windows: 'adaptive',
});

export const enqueueCommand: Command = {
  name: 'enqueue',
  summary:
    'plan a backfill (reads that follow the data, or one job per entity and UTC day) and enqueue it, delayed until --start-at; one run per realm',
  usage:
    'qbo-backfill enqueue --entities invoices,customers,items --from DATE --to DATE [--start-at INSTANT] [--realm ID[,ID...]|all]... [--page-size N] [--windows adaptive|day] [--reports NAME[,NAME...]|all [--accounting-method accrual|cash]] [--dry-run] [--json] [--follow]',
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      {
        entities: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'start-at': { type: 'string' },
        realm: { type: 'string', multiple: true },
        'page-size': { type: 'string' },
        windows: { type: 'string' },
        reports: { type: 'string' },
        'accounting-method': { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        follow: { type: 'boolean' },
      },
      this.usage,
      true,
    );
    if (positionals.length)
      throw new UsageError(
        `unexpected argument ${quoteInput(positionals[0] as string)}; usage: ${this.usage}`,
      );
    // Everything is validated before anything is touched: bad input leaves no run and no job.
    const config = io.config();
    const reports = values.reports === undefined ? [] : parseReports(values.reports);
    if (values['accounting-method'] !== undefined && reports.length === 0)
      throw new UsageError('--accounting-method applies to --reports, which is missing');
    const accountingMethod = parseAccountingMethod(values['accounting-method']);
    // With reports, entities may be left out: a run of reports alone.
    const entities = values.entities === undefined && reports.length ? [] : parseEntities(values.entities);
    if (values.from === undefined) throw new UsageError('--from is required');
    if (values.to === undefined) throw new UsageError('--to is required');
    const from = parseFrom(values.from);
    const to = parseTo(values.to);
    if (!(from < to)) throw new UsageError(`--from (${values.from}) must be before --to (${values.to})`);
    const now = new Date();
    const startAt = parseStartAt(values['start-at'], now);
    if (startAt.getTime() < now.getTime() - 60_000) {
      throw new UsageError(
        `--start-at ${values['start-at']} is in the past; give a future instant or leave it out to start now`,
      );
    }
    checkRange(from, to, startAt, { from: values.from, to: values.to });
    const realms = realmsFlag(values.realm, config.qbo.realmId);
    const pageSize =
      intFlag(values['page-size'], 'page-size', 1, QBO_MAX_PAGE_SIZE) ?? ENQUEUE_DEFAULTS.pageSize;
    const windows = (values.windows ?? ENQUEUE_DEFAULTS.windows) as WindowsPlan;
    if (!WINDOWS_PLANS.includes(windows))
      throw new UsageError(`--windows: expected adaptive or day, got ${quoteInput(values.windows ?? '')}`);
    // One plan and one run per realm, planned as it is enqueued: a thousand realms' plans are never
    // all in memory at once.
    const planFor = (realmId: string) =>
      planBackfill({ realmId, entities, from, to, startAt, pageSize, windows, reports, accountingMethod });

    if (values['dry-run']) {
      // `all` is read from the token store; ids need nothing opened.
      const realmIds = realms.all ? await withDb(config, (db) => resolveRealms(db, realms)) : realms.ids;
      if (!values.json) io.out(`dry run: nothing was recorded or enqueued`);
      for (const realmId of realmIds) printDryRun(io, config, planFor(realmId), values.json === true);
      return EXIT.ok;
    }

    if (values.follow && values.json) throw new UsageError('--follow and --json do not go together');
    return withProducer(config, async (ctx) => {
      const { db, queue } = ctx;
      const realmIds = await resolveRealms(db, realms);
      await checkRefreshTokens(db, config, realmIds);
      const runIds: string[] = [];
      for (const realmId of realmIds) {
        const plan = planFor(realmId);
        const result = await enqueueBackfill(db, queue, plan, now, windowJobOptions(config.windowJobs));
        printEnqueued(io, config, realmId, result, values.json === true, plan.perDayJobs, now);
        runIds.push(result.runId);
      }
      if (!values.follow) return EXIT.ok;
      // Stays until every run has ended; the exit code says whether they all succeeded.
      const ended = await followFromCli(ctx, runIds, io.stdout);
      const statusOf = (runId: string) => ended.find((r) => r.runId === runId)?.status ?? 'unknown';
      for (const runId of runIds)
        io.out(`run ${runId} ${statusOf(runId)}: see qbo-backfill report --run ${runId}`);
      return runIds.every((runId) => statusOf(runId) === 'succeeded') ? EXIT.ok : EXIT.failed;
    });
  },
};

/** `, in 1h 5m` for a start still to come today or tomorrow; a date further off says enough. */
function startsIn(startAt: Date, now: Date): string {
  const s = Math.round((startAt.getTime() - now.getTime()) / 1000);
  return s > 0 && s < 86_400 ? `, in ${shortDuration(s)}` : '';
}

/** One realm's dry run: its plan and forecast, a block of lines or (`json`) one object. */
function printDryRun(io: CommandIo, config: Config, plan: EnqueuePlan, json: boolean): void {
  const { realmId, entities, startAt, pageSize } = plan.request;
  const forecast = forecastBackfill(plan, {
    requestsPerMinute: config.requestsPerMinute,
    monthlyReadQuota: config.qbo.monthlyReadQuota,
  });
  if (json) {
    io.out(
      JSON.stringify({
        runId: null,
        realmId,
        jobs: plan.jobs,
        startAt: utcInstant(startAt),
        dryRun: true,
        forecast: {
          minRequests: forecast.requests,
          minMinutes: Math.round(forecast.minutes * 10) / 10,
          minQuotaShare: Math.round(forecast.quotaShare * 10_000) / 10_000,
          perDayRequests: forecast.perDayRequests,
          perDayMinutes: Math.round(forecast.perDayMinutes * 10) / 10,
          perDayQuotaShare: Math.round(forecast.perDayQuotaShare * 10_000) / 10_000,
          monthlyReadQuota: forecast.monthlyReadQuota,
        },
      }),
    );
    return;
  }
  const first = plan.windows[0];
  const last = plan.windows[plan.windows.length - 1];
  io.out(
    plan.windowsPlan === 'day'
      ? `would enqueue ${plural(plan.jobs, 'window')} (one job each) for realm ${realmId}: ${entities.join(', ')} x ${plan.windows.length} UTC days`
      : `would enqueue ${plural(plan.jobs, 'window')} (one job each) for realm ${realmId}: one per entity over ${plan.windows.length} UTC days (${entities.join(', ')}), split where the data is dense`,
  );
  io.out(
    `windows ${first?.day} .. ${last?.day}, page size ${pageSize}, ${entities.map((e) => `${e}${findEntity(e)?.nameList ? ' (active and inactive)' : ''}`).join(', ')}`,
  );
  io.out(`would start at ${bothZones(startAt, config.displayTimezone)}${startsIn(startAt, new Date())}`);
  for (const line of forecastText(forecast)) io.out(line);
}

/** One realm's run: its id, jobs and start, a block of lines or (`json`) one object. */
function printEnqueued(
  io: CommandIo,
  config: Config,
  realmId: string,
  result: EnqueueResult,
  json: boolean,
  /** Entity-days the run covers (the day plan's windows). */
  entityDays: number,
  now: Date,
): void {
  if (json) {
    io.out(
      JSON.stringify({
        runId: result.runId,
        realmId,
        jobs: result.jobs,
        startAt: utcInstant(result.startAt),
        existing: result.existing,
      }),
    );
    return;
  }
  const windows = `${plural(result.jobs, 'window')} (one job each) for ${plural(entityDays, 'entity-day')}`;
  io.out(
    result.existing
      ? `run ${result.runId} for realm ${realmId} is already scheduled or running: nothing added (${windows})`
      : `run ${result.runId} for realm ${realmId}: ${windows} enqueued`,
  );
  io.out(`starts at ${bothZones(result.startAt, config.displayTimezone)}${startsIn(result.startAt, now)}`);
}
