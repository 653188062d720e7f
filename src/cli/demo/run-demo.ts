import { sql } from 'kysely';
import { encryptionKey, type Config } from '../../config/config.js';
import { openDb } from '../../infra/db.js';
import { getEntity } from '../../model/entities.js';

// The demo backfills the three reference entities, so that it ends in well under a minute at
// QBO's own limits; `enqueue --entities all` takes every one.
const ENTITIES = ['invoices', 'customers', 'items'].map(getEntity);
import type { Logger } from '../../infra/logger.js';
import { migrateToLatest } from '../../infra/migrate.js';
import { createQueue, createRedis } from '../../infra/queue.js';
import { bothZones } from '../../infra/time-format.js';
import { plural } from '../../infra/terminal-text.js';
import { textTable } from '../../infra/text-table.js';
import { startEmulator } from '@qbo-backfill/emulator';
import { EMULATOR_DEFAULTS } from '@qbo-backfill/emulator';
import type { RunningEmulator } from '@qbo-backfill/emulator';
import { startDashboard } from '../../dashboard/index.js';
import { enqueueBackfill, planBackfill } from '../../backfill/plan/enqueue.js';
import { buildReport } from '../../backfill/runs/report.js';
import { reportSummary } from '../../backfill/runs/report-summary.js';
import { followFromCli } from '../follow.js';
import { ENQUEUE_DEFAULTS } from '../commands/enqueue.js';
import { startWorker, type RunningWorker } from '../../worker/worker-process.js';

export interface DemoOptions {
  /** The configuration, parsed once by the command; the demo points its QBO side at its own emulator. */
  config: Config;
  /** Leave the emulator and the dashboard up after the run until SIGINT/SIGTERM. Default false. */
  keep: boolean;
  logger: Logger;
  out: (line: string) => void;
  /** Where the live progress of the run goes (a bar on a terminal, plain lines otherwise). */
  progress: NodeJS.WritableStream;
  /** Resolves when the operator asks to stop (used with `keep`). */
  untilStopped: () => Promise<void>;
}

const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2026-02-01T00:00:00Z');

/** The operator's configuration with its QBO side pointed at the demo's own emulator. */
function demoConfig(base: Config, emulator: RunningEmulator): Config {
  return Object.freeze({
    ...base,
    // Demo jobs live under their own prefix so they never mix with a real deployment's queue.
    queuePrefix: `${base.queuePrefix}-demo`,
    qbo: Object.freeze({
      ...base.qbo,
      environment: 'emulator' as const,
      baseUrl: emulator.url,
      tokenUrl: emulator.tokenUrl,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      refreshToken: emulator.refreshToken,
      realmId: emulator.realmIds[0],
    }),
    tokenEncryptionKey: base.tokenEncryptionKey ?? encryptionKey(EMULATOR_DEFAULTS.encryptionKey),
  });
}

/**
 * The whole product against the built-in emulator: migrate, serve the emulator and the dashboard,
 * run two workers, enqueue a delayed backfill of January 2026, wait for it, print the report and
 * check every table against the emulator's truth. Resolves to the exit code.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { out, logger } = options;
  const emulator = await startEmulator({ port: 0, logger });
  const config = demoConfig(options.config, emulator);
  const realmId = config.qbo.realmId as string;
  out(`emulator: ${emulator.url} (realms ${emulator.realmIds.join(', ')})`);

  const applied = await migrateToLatest(config.databaseDirectUrl);
  out(`database: ${applied.applied.length ? `applied ${applied.applied.join(', ')}` : 'schema up to date'}`);

  const db = openDb(config, { max: 3, applicationName: 'qbo-backfill-demo' });
  const redis = createRedis(config);
  const queue = createQueue(redis, config.queuePrefix);
  const hasLogin = config.dashboard.user !== undefined && config.dashboard.password !== undefined;
  const dashboard = await startDashboard({
    config,
    port: options.keep ? 3000 : 0,
    host: '127.0.0.1',
    insecureNoAuth: !hasLogin,
    logger,
  });
  out(
    `dashboard: ${dashboard.url}/runs, jobs at ${dashboard.url}/admin/queues${hasLogin ? '' : ' (no login: local demo only)'}`,
  );
  const workers: RunningWorker[] = [
    startWorker({ config, logger, concurrency: 4 }),
    startWorker({ config, logger, concurrency: 4 }),
  ];

  let code = 1;
  try {
    const entities = ENTITIES.map((e) => e.name);
    const startAt = new Date(Date.now() + 2_000);
    const plan = planBackfill({
      realmId,
      entities,
      from: FROM,
      to: TO,
      startAt,
      ...ENQUEUE_DEFAULTS,
    });
    const run = await enqueueBackfill(db, queue, plan);
    out(
      `run ${run.runId}: ${plural(run.jobs, 'window')} (one job each) for ${plural(plan.perDayJobs, 'entity-day')} (${entities.join(', ')}, 2026-01-01..2026-01-31), starts at ${bothZones(run.startAt, config.displayTimezone)}`,
    );

    const [last] = await followFromCli({ db, redis, config }, [run.runId], options.progress, {
      signal: AbortSignal.timeout(10 * 60_000),
    });
    const status = last?.status ?? 'unknown';
    const report = await buildReport(db, run.runId);
    out('');
    out(reportSummary(report, config.displayTimezone, 'entity'));
    out('');

    // The emulator is the ground truth: every one of its records must be in the table. Rows the
    // emulator no longer has in the range (kept from an earlier demo run over other data) are
    // reported, not counted as a failure: raw never deletes.
    let verified = status === 'succeeded';
    const table: (string | number)[][] = [];
    for (const entity of ENTITIES) {
      const truth = emulator.truth(realmId, entity.qboName, FROM, TO, { ids: true });
      const stored = await sql<{ id: string }>`
        SELECT id FROM raw.${sql.raw(entity.table)}
        WHERE realm_id = ${realmId} AND source_last_updated_utc >= ${FROM} AND source_last_updated_utc < ${TO}`.execute(
        db,
      );
      const storedIds = new Set(stored.rows.map((r) => r.id));
      const truthIds = new Set(truth.ids ?? []);
      const missing = [...truthIds].filter((id) => !storedIds.has(id)).length;
      const extra = [...storedIds].filter((id) => !truthIds.has(id)).length;
      table.push([
        entity.name,
        truth.count,
        `raw.${entity.table}`,
        storedIds.size,
        (missing ? `MISSING ${missing}` : 'ok') +
          (extra ? ` (${extra} older rows kept from an earlier run)` : ''),
      ]);
      if (missing > 0 || truthIds.size !== truth.count) verified = false;
    }
    out(textTable(['entity', 'emulator', 'table', 'rows', 'check'], table, { rule: true }));
    out(verified ? 'demo ok: every emulator record is in its table' : `demo FAILED: run ${status}`);
    code = verified ? 0 : 1;
    if (options.keep) {
      out(`--keep: dashboard and emulator stay up at ${dashboard.url}/admin/queues; Ctrl-C to stop`);
      await Promise.all(workers.map((w) => w.close()));
      await options.untilStopped();
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await dashboard.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
    await db.destroy();
    await emulator.close();
  }
  return code;
}
