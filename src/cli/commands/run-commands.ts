import { findEntity, entityNames } from '../../shared/entities.js';
import { UsageError } from '../../shared/usage-error.js';
import { cancelRun } from '../../producer/cancel.js';
import { buildReport, reportCsv, reportJson, reportTable } from '../../producer/report.js';
import { windowJobOptions } from '../../producer/job-options.js';
import { resumeRun, retryWindow } from '../../producer/resume.js';
import { runStatuses, statusText } from '../../producer/status.js';
import { parseDay } from '../../producer/dates.js';
import { EXIT, parseFlags, type Command } from '../command.js';
import { withProducer } from '../producer-context.js';

function requireRun(run: string | undefined): string {
  if (run === undefined || run === '') throw new UsageError('--run is required');
  return run;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'runs and their windows by state',
  usage: 'qbo-backfill status [--run ID] [--json]',
  async run(argv, io) {
    const { values } = parseFlags(argv, { run: { type: 'string' }, json: { type: 'boolean' } }, this.usage);
    const config = io.config();
    return withProducer(config, async ({ db }) => {
      const runs = await runStatuses(db, values.run);
      io.out(
        values.json
          ? JSON.stringify(values.run !== undefined ? runs[0] : runs)
          : statusText(runs, config.displayTimezone),
      );
      return EXIT.ok;
    });
  },
};

export const reportCommand: Command = {
  name: 'report',
  summary: "volumetry per entity and day, and the run's totals",
  usage: 'qbo-backfill report --run ID [--format table|json|csv]',
  async run(argv, io) {
    const { values } = parseFlags(argv, { run: { type: 'string' }, format: { type: 'string' } }, this.usage);
    const runId = requireRun(values.run);
    const format = values.format ?? 'table';
    if (!['table', 'json', 'csv'].includes(format))
      throw new UsageError(`--format: expected table, json or csv, got ${JSON.stringify(format)}`);
    const config = io.config();
    return withProducer(config, async ({ db }) => {
      const report = await buildReport(db, runId);
      io.out(
        format === 'json'
          ? reportJson(report)
          : format === 'csv'
            ? reportCsv(report)
            : reportTable(report, config.displayTimezone),
      );
      return EXIT.ok;
    });
  },
};

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'enqueue again every window of the run that has not succeeded',
  usage: 'qbo-backfill resume --run ID',
  async run(argv, io) {
    const { values } = parseFlags(argv, { run: { type: 'string' } }, this.usage);
    const runId = requireRun(values.run);
    const config = io.config();
    return withProducer(config, async ({ db, queue }) => {
      const r = await resumeRun(db, queue, runId, windowJobOptions(config.windowJobs));
      io.out(`run ${r.runId}: ${r.requeued} window(s) enqueued again, ${r.pending} pending in all`);
      return EXIT.ok;
    });
  },
};

export const retryCommand: Command = {
  name: 'retry',
  summary: 'enqueue one window again',
  usage: 'qbo-backfill retry --run ID --entity E --day DATE',
  async run(argv, io) {
    const { values } = parseFlags(
      argv,
      { run: { type: 'string' }, entity: { type: 'string' }, day: { type: 'string' } },
      this.usage,
    );
    const runId = requireRun(values.run);
    if (!values.entity || !findEntity(values.entity)) {
      throw new UsageError(`--entity: expected one of ${entityNames().join(', ')}`);
    }
    const day = parseDay(values.day);
    const config = io.config();
    return withProducer(config, async ({ db, queue }) => {
      const r = await retryWindow(
        db,
        queue,
        runId,
        values.entity as string,
        day,
        windowJobOptions(config.windowJobs),
      );
      io.out(`window ${values.entity} ${values.day} of run ${runId} enqueued as job ${r.jobId}`);
      return EXIT.ok;
    });
  },
};

export const cancelCommand: Command = {
  name: 'cancel',
  summary: "remove the run's jobs that have not started and mark the run cancelled",
  usage: 'qbo-backfill cancel --run ID',
  async run(argv, io) {
    const { values } = parseFlags(argv, { run: { type: 'string' } }, this.usage);
    const runId = requireRun(values.run);
    const config = io.config();
    return withProducer(config, async ({ db, queue }) => {
      const r = await cancelRun(db, queue, runId);
      io.out(
        `run ${r.runId} cancelled: ${r.removedJobs} job(s) removed, ${r.cancelledWindows} window(s) cancelled`,
      );
      return EXIT.ok;
    });
  },
};
