import { findEntity, entityNames } from '../../model/entities.js';
import { findReport } from '../../model/reports.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { cancelRun } from '../../backfill/runs/cancel.js';
import { buildReport, reportCsv, reportJson, reportTable } from '../../backfill/runs/report.js';
import {
  defaultGrouping,
  REPORT_GROUPINGS,
  reportSummary,
  type ReportGrouping,
} from '../../backfill/runs/report-summary.js';
import { followFromCli, liveRunIds } from '../follow.js';
import { windowJobOptions } from '../../backfill/plan/job-options.js';
import { resumeRun, retryWindow } from '../../backfill/runs/resume.js';
import { monthlyReadsText, runStatuses, statusText } from '../../backfill/runs/status.js';
import { readRealmSyncs } from '../../sync/sync-report.js';
import { syncStatusJson, syncStatusText } from '../../sync/sync-status-text.js';
import { readsThisMonth } from '../../qbo/rate-limit/monthly-reads.js';
import { EXIT, intFlag } from '../command.js';

/** How many of the newest runs `status` lists. @defaultValue 20 */
const STATUS_RUNS = 20;
/** The most `--limit` takes: a list longer than this is for `--json` and a script. */
const STATUS_MAX_RUNS = 10_000;
import { producerCommand, requireRun, runCommand } from '../producer-command.js';
import { parseDay } from '../../backfill/plan/dates.js';

/** The per-day table, or the 80-column summary per entity or per entity and month. */
function humanReport(report: Awaited<ReturnType<typeof buildReport>>, timeZone: string, by: ReportGrouping) {
  return by === 'day' ? reportTable(report, timeZone) : reportSummary(report, timeZone, by);
}

export const statusCommand = producerCommand({
  name: 'status',
  summary: "runs and their windows by state, and each realm's sync",
  usage: 'qbo-backfill status [--run ID] [--limit N] [--json] [--watch]',
  flags: {
    run: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    watch: { type: 'boolean' },
  },
  check(values) {
    if (values.watch && values.json) throw new UsageError('--watch and --json do not go together');
    const limit = intFlag(values.limit, 'limit', 1, STATUS_MAX_RUNS) ?? STATUS_RUNS;
    return { ...values, limit };
  },
  async act(ctx, values, io) {
    const { db, config } = ctx;
    const budget = {
      requestsPerMinute: config.requestsPerMinute,
      monthlyReadQuota: config.qbo.monthlyReadQuota,
    };
    if (values.watch) {
      // A bar per run until every run followed has ended (the live ones, or the one asked for).
      if (values.run !== undefined) await runStatuses(db, budget, values.run);
      const runIds = values.run !== undefined ? [values.run] : await liveRunIds(ctx);
      if (runIds.length === 0) {
        io.out('no run is scheduled or running');
        return EXIT.ok;
      }
      await followFromCli(ctx, runIds, io.stdout);
      return EXIT.ok;
    }
    const reads = await readsThisMonth(ctx.redis, config.queuePrefix);
    const runs = (await runStatuses(db, budget, values.run, values.limit)).map((r) => ({
      ...r,
      realmReadsThisMonth: reads[r.realmId] ?? 0,
    }));
    // One run: the sync of its realm; the list: every realm sync has rows for.
    const syncs = await readRealmSyncs(
      db,
      io.now(),
      values.run !== undefined ? runs.map((r) => r.realmId) : undefined,
    );
    if (values.json) {
      // The list stays a bare array (scripts read it as one); one run's object gains its realm's sync.
      const one = runs[0] && { ...runs[0], sync: syncs[0] ? syncStatusJson(syncs[0]) : null };
      io.out(JSON.stringify(values.run !== undefined ? one : runs));
      return EXIT.ok;
    }
    io.out(
      [
        statusText(
          runs,
          config.displayTimezone,
          io.now(),
          values.run === undefined ? values.limit : undefined,
        ),
        syncStatusText(syncs),
        monthlyReadsText(reads, config.qbo.monthlyReadQuota),
      ]
        .filter((part) => part !== '')
        .join('\n\n'),
    );
    return EXIT.ok;
  },
});

/** Defaults of `report`, declared once. */
export const REPORT_DEFAULTS = Object.freeze({
  /** How the report prints. @defaultValue `table` */
  format: 'table',
});

export const reportCommand = producerCommand({
  name: 'report',
  summary: "volumetry per entity and day, and the run's totals",
  usage: 'qbo-backfill report --run ID [--format table|json|csv] [--by entity|month|day]',
  flags: { run: { type: 'string' }, format: { type: 'string' }, by: { type: 'string' } },
  check(values) {
    const runId = requireRun(values.run);
    const format = values.format ?? REPORT_DEFAULTS.format;
    if (!['table', 'json', 'csv'].includes(format))
      throw new UsageError(`--format: expected table, json or csv, got ${quoteInput(format)}`);
    const by = values.by as ReportGrouping | undefined;
    if (by !== undefined && !REPORT_GROUPINGS.includes(by))
      throw new UsageError(`--by: expected ${REPORT_GROUPINGS.join(', ')}, got ${quoteInput(by)}`);
    if (by !== undefined && format !== 'table')
      throw new UsageError(`--by goes with the table format only (json and csv list every window)`);
    return { runId, format, by };
  },
  async act({ db, config }, { runId, format, by }, io) {
    const report = await buildReport(db, runId);
    io.out(
      format === 'json'
        ? reportJson(report)
        : format === 'csv'
          ? reportCsv(report)
          : humanReport(report, config.displayTimezone, by ?? defaultGrouping(report.meta)),
    );
    return EXIT.ok;
  },
});

export const resumeCommand = runCommand(
  'resume',
  'enqueue again every window of the run that has not succeeded',
  async ({ db, queue, config }, runId) => {
    const r = await resumeRun(db, queue, runId, windowJobOptions(config.windowJobs));
    return `run ${r.runId}: ${r.requeued} window(s) enqueued again, ${r.pending} pending in all`;
  },
);

export const retryCommand = producerCommand({
  name: 'retry',
  summary: 'enqueue one window again',
  usage: 'qbo-backfill retry --run ID --entity E --day DATE',
  flags: { run: { type: 'string' }, entity: { type: 'string' }, day: { type: 'string' } },
  check(values) {
    const runId = requireRun(values.run);
    // A report's month is a window too: --entity ProfitAndLoss --day <a day of the month>.
    if (!values.entity || !(findEntity(values.entity) || findReport(values.entity))) {
      throw new UsageError(`--entity: expected one of ${entityNames().join(', ')} (or a report name)`);
    }
    return { runId, entity: values.entity, day: parseDay(values.day) };
  },
  async act({ db, queue, config }, { runId, entity, day }, io) {
    const r = await retryWindow(db, queue, runId, entity, day, windowJobOptions(config.windowJobs));
    io.out(
      `window ${entity} ${day} of run ${runId} enqueued as job ${r.jobId}` +
        (r.span ? ` (read with the rest of its window, ${r.span[0]} .. ${r.span[1]})` : ''),
    );
    return EXIT.ok;
  },
});

export const cancelCommand = runCommand(
  'cancel',
  "remove the run's jobs that have not started and mark the run cancelled",
  async ({ db, queue }, runId) => {
    const r = await cancelRun(db, queue, runId);
    return `run ${r.runId} cancelled: ${r.removedJobs} job(s) removed, ${r.cancelledWindows} window(s) cancelled`;
  },
);
