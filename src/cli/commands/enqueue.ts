import { refreshTokenOpensRealm } from '../../shared/config.js';
import { disconnectedMessage, findDisconnection } from '../../shared/connections.js';
import { findEntity } from '../../shared/entities.js';
import { bothZones, utcInstant } from '../../shared/time-format.js';
import { UsageError } from '../../shared/usage-error.js';
import { checkRange, parseFrom, parseStartAt, parseTo } from '../../producer/dates.js';
import { enqueueBackfill, parseEntities, planBackfill } from '../../producer/enqueue.js';
import { forecastBackfill, forecastText } from '../../producer/forecast.js';
import { windowJobOptions } from '../../producer/job-options.js';
import { followFromCli } from '../follow.js';
import { checkRealmFlag, EXIT, intFlag, parseFlags, type Command } from '../command.js';
import { withProducer } from '../producer-context.js';

export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'plan a backfill (one job per entity and UTC day) and enqueue it, delayed until --start-at',
  usage:
    'qbo-backfill enqueue --entities invoices,customers,items --from DATE --to DATE [--start-at INSTANT] [--realm ID] [--page-size N] [--dry-run] [--json] [--follow]',
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      {
        entities: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'start-at': { type: 'string' },
        realm: { type: 'string' },
        'page-size': { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        follow: { type: 'boolean' },
      },
      this.usage,
      true,
    );
    if (positionals.length)
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; usage: ${this.usage}`);
    // Everything is validated before anything is touched: bad input leaves no run and no job.
    const config = io.config();
    const entities = parseEntities(values.entities);
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
    const realmId = values.realm ?? config.qbo.realmId;
    if (realmId === undefined) throw new UsageError('--realm is required when QBO_REALM_ID is not set');
    checkRealmFlag(realmId, true);
    const pageSize = intFlag(values['page-size'], 'page-size', 1, 1000) ?? 1000;
    const plan = planBackfill({ realmId, entities, from, to, startAt, pageSize });

    if (values['dry-run']) {
      const forecast = forecastBackfill(plan.jobs, {
        requestsPerMinute: config.requestsPerMinute,
        monthlyReadQuota: config.qbo.monthlyReadQuota,
      });
      if (values.json) {
        io.out(
          JSON.stringify({
            runId: null,
            jobs: plan.jobs,
            startAt: utcInstant(startAt),
            dryRun: true,
            forecast: {
              minRequests: forecast.requests,
              minMinutes: Math.round(forecast.minutes * 10) / 10,
              minQuotaShare: Math.round(forecast.quotaShare * 10_000) / 10_000,
              monthlyReadQuota: forecast.monthlyReadQuota,
            },
          }),
        );
      } else {
        const first = plan.windows[0];
        const last = plan.windows[plan.windows.length - 1];
        io.out(`dry run: nothing was recorded or enqueued`);
        io.out(
          `would enqueue ${plan.jobs} jobs for realm ${realmId}: ${entities.join(', ')} x ${plan.windows.length} UTC days`,
        );
        io.out(
          `windows ${first?.day} .. ${last?.day}, page size ${pageSize}, ${entities.map((e) => `${e}${findEntity(e)?.nameList ? ' (active and inactive)' : ''}`).join(', ')}`,
        );
        io.out(`would start at ${bothZones(startAt, config.displayTimezone)}`);
        for (const line of forecastText(forecast)) io.out(line);
      }
      return EXIT.ok;
    }

    if (values.follow && values.json) throw new UsageError('--follow and --json do not go together');
    return withProducer(config, async (ctx) => {
      const { db, queue } = ctx;
      const disconnected = await findDisconnection(db, realmId);
      if (disconnected) throw new UsageError(disconnectedMessage(disconnected));
      const known = await db
        .selectFrom('ops.tokens')
        .select('realm_id')
        .where('realm_id', '=', realmId)
        .executeTakeFirst();
      if (!known && !refreshTokenOpensRealm(config, realmId)) {
        throw new UsageError(
          `realm ${realmId} has no refresh token in the token store; store one with: qbo-backfill auth set --realm ${realmId}`,
        );
      }
      const result = await enqueueBackfill(db, queue, plan, now, windowJobOptions(config.windowJobs));
      if (values.json) {
        io.out(
          JSON.stringify({
            runId: result.runId,
            jobs: result.jobs,
            startAt: utcInstant(result.startAt),
            existing: result.existing,
          }),
        );
      } else {
        io.out(
          result.existing
            ? `run ${result.runId} for this backfill is already scheduled or running: nothing added (${result.jobs} jobs)`
            : `run ${result.runId}: ${result.jobs} jobs enqueued`,
        );
        io.out(`starts at ${bothZones(result.startAt, config.displayTimezone)}`);
      }
      if (!values.follow) return EXIT.ok;
      // Stays until the run has ended; the exit code says whether it succeeded.
      const [last] = await followFromCli(ctx, [result.runId], io.stdout);
      io.out(
        `run ${result.runId} ${last?.status ?? 'unknown'}: see qbo-backfill report --run ${result.runId}`,
      );
      return last?.status === 'succeeded' ? EXIT.ok : EXIT.failed;
    });
  },
};
