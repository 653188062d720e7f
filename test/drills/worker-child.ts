/**
 * One `qbo-backfill worker` process as the drills run it: the real worker, configured from the
 * environment, with the QBO client's backoffs and BullMQ's stalled-job check shortened so that a
 * drill takes seconds instead of minutes (DRILL_LOCK_MS). Logs go to stdout as JSON lines: the
 * drill counts the outage lines in them.
 */
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { startWorker } from '../../src/worker/worker-process.js';

const config = parseConfig(process.env);
const logger = createLogger({ level: config.logLevel, name: 'drill-worker' });
const worker = startWorker({
  config,
  logger,
  concurrency: Number(process.env.DRILL_CONCURRENCY ?? 3),
  lockDurationMs: Number(process.env.DRILL_LOCK_MS ?? 5_000),
  shutdownTimeoutMs: 10_000,
  // A drill that needs a worker to hold its windows while it is frozen keeps them from being
  // handed back between pages (fair slots) when the realm's budget is booked ahead.
  ...(process.env.DRILL_RELEASE_AFTER_MS
    ? { window: { releaseAfterWaitMs: Number(process.env.DRILL_RELEASE_AFTER_MS) } }
    : {}),
  // A drill may scale the budget's window down (with the emulator's) to press on it in seconds.
  ...(process.env.DRILL_LIMITER_WINDOW_MS
    ? { limiter: { windowMs: Number(process.env.DRILL_LIMITER_WINDOW_MS) } }
    : {}),
  client: {
    serverBackoff: { baseMs: 50, capMs: 500 },
    throttleBackoff: { baseMs: 200, capMs: 2_000 },
  },
});
const stop = () => void worker.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
