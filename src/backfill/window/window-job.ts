import { UnrecoverableError, type Job } from 'bullmq';
import { NO_METRICS, WINDOW_DURATION } from '../../infra/cluster-metrics.js';
import type { Logger } from '../../infra/logger.js';
import type { WindowJobData } from '../../infra/queue.js';
import {
  failWindow,
  failWindowAttempt,
  failWindowHaltingRun,
  endRunAfterWindowSucceeded,
  finishWindow,
  releaseWindow,
  startWindow,
  stopWindow,
  LeaseLostError,
  type RunState,
  type WindowAttempt,
  type WindowKey,
} from '../state/index.js';
import {
  DEFAULT_STORE_BACKOFF,
  STORE_NAMES,
  unreachableStore,
  type Store,
} from '../../infra/store-outage.js';
import { ReleaseJobError, windowOutcome } from '../../model/errors/index.js';
import { WINDOW_DEFAULTS, type WindowOutcome, type WindowProcessorOptions } from './types.js';
import { releaseIfRealmBusy } from './job-release.js';
import { loadWindow } from './window-load.js';
import { readWindow } from './window-read.js';
import { AttemptSupersededError } from './window-stop.js';
import { windowNote } from './window-note.js';
import { runReportWindow } from '../report/report-window.js';

/**
 * Thrown once a job that hit a store outage moved itself back to the delayed set: BullMQ keeps it
 * without using up an attempt, and the window's failure counts nowhere.
 */
export class WaitingForStoreError extends ReleaseJobError {
  constructor(
    readonly store: Store,
    readonly delayMs: number,
  ) {
    super(`${STORE_NAMES[store]} unreachable: window retried in ${delayMs} ms`);
  }
}

/**
 * Processes one window job: every entity goes through this one loop, driven by its registry entry.
 * Load the window, start it, read and commit its pages (reconciling them with QBO's count), then
 * one terminal transition. Each page is committed (upsert plus the window's counters) in one
 * transaction, so a retried job resumes after its last committed page and the counters stay exact.
 */
export async function processWindow(
  job: Job<WindowJobData>,
  token: string | undefined,
  options: WindowProcessorOptions,
): Promise<WindowOutcome> {
  const { db } = options;
  const key: WindowKey = { runId: job.data.runId, entity: job.data.entity, day: job.data.day };
  const log = options.logger.child({ ...key, realmId: job.data.realmId, jobId: job.id });

  let loaded: Awaited<ReturnType<typeof loadWindow>>;
  let run: RunState | undefined;
  // The lease the job holds: the one it loaded the window at until it starts it, then its own.
  let attempt: WindowAttempt = { ...key, lease: 0 };
  try {
    // The window before the budget: a job retried from the dashboard reopens its run and window
    // here, and a window sent back to wait for its realm's budget is set back to pending. Sent
    // back before that, a retried window stayed `failed` while the rest of its run finished, and
    // the run ended failed with the retry still queued.
    loaded = await loadWindow(job, key, options);
    if ('status' in loaded) return loaded;
    attempt = loaded.attempt;
    const begun = loaded.from.page > 0 || loaded.from.pass > 0;
    await releaseIfRealmBusy(job, token, options, log, begun);
    const started = await startWindow(db, attempt, job.id ?? null);
    if (started) ({ run, attempt } = started);
  } catch (err) {
    if (err instanceof LeaseLostError) throw superseded(err, log);
    const store = storeOf(err, options);
    if (!store) throw err;
    throw await waitForStore(store, err, { job, token, attempt, started: false, elapsedMs: 0, options, log });
  }
  options.health?.up('postgres');
  const startedAt = Date.now();
  const elapsed = () => Date.now() - startedAt;
  const metrics = options.metrics ?? NO_METRICS;
  const timed = (status: string) => metrics.observe(WINDOW_DURATION, { status }, elapsed() / 1000);
  try {
    if (loaded.report) {
      const read = await runReportWindow(job, token, attempt, loaded.report, options, log);
      if ('status' in read) {
        await stopWindow(db, attempt, read, elapsed());
        timed(read.status);
        return read;
      }
      // A failed check is the report's, said in its checks: the window succeeds with what it stored.
      const note = read.failedChecks > 0 ? `${read.failedChecks} report part(s) failed their checks` : null;
      const runStatus = await finishWindow(db, attempt, { sourceCount: null, shortfall: note }, elapsed());
      timed('succeeded');
      log.info({ ...read, runStatus }, 'report window done');
      return { status: 'succeeded', pages: read.parts, rowsFetched: read.rows, sourceCount: null };
    }
    if (!loaded.entity) throw new Error(`window ${key.entity} is neither an entity nor a report`);
    const result = await readWindow({
      job,
      token,
      attempt,
      entity: loaded.entity,
      from: loaded.from,
      range: loaded.range,
      splittable: loaded.splittable,
      options,
      log,
      run,
      elapsedMs: elapsed,
    });
    if ('status' in result) {
      await stopWindow(db, attempt, result, elapsed());
      timed(result.status);
      return result;
    }
    // A one-page window committed its success with its page; the run's part is left.
    const runStatus = result.finished
      ? await endRunAfterWindowSucceeded(db, key.runId)
      : await finishWindow(
          db,
          attempt,
          { sourceCount: result.sourceCount, shortfall: windowNote(result) },
          elapsed(),
          result.uncountedRequests,
        );
    timed('succeeded');
    const { pages, rowsFetched, sourceCount, intuitTid } = result;
    log.info({ pages, rowsFetched, sourceCount, runStatus, intuitTid }, 'window done');
    return { status: 'succeeded', pages, rowsFetched, sourceCount, ...(intuitTid ? { intuitTid } : {}) };
  } catch (err) {
    if (err instanceof LeaseLostError) throw superseded(err, log);
    const started = run !== undefined;
    const failed = { job, token, attempt, started, elapsedMs: elapsed(), options, log };
    const thrown = await settleFailure(err, failed);
    timed(windowOutcome(thrown) === 'release-job' ? 'released' : 'failed');
    throw thrown;
  }
}

/** Which store `err` says is away, as this process's StoreHealth tells it (by port first). */
function storeOf(err: unknown, options: WindowProcessorOptions): Store | undefined {
  return options.health ? options.health.storeOf(err) : unreachableStore(err);
}

/**
 * Another attempt holds the window now (see LeaseLostError): this job stops, quietly. One log
 * line, no retry, no failure recorded anywhere; BullMQ leaves the job to whoever holds its lock
 * now (an AttemptSupersededError releases the job: the worker does not move it).
 */
function superseded(err: LeaseLostError, log: Logger): AttemptSupersededError {
  log.warn(
    { lease: err.attempt.lease, writing: err.writing },
    'window taken over by another attempt: this job stops without writing',
  );
  return new AttemptSupersededError(err.message);
}

/** A failed job's context: what settling its failure needs. */
interface Failed {
  job: Job<WindowJobData>;
  token: string | undefined;
  attempt: WindowAttempt;
  /** Whether this job started the window (a release then gives back the attempt it counted). */
  started: boolean;
  elapsedMs: number;
  options: WindowProcessorOptions;
  log: Logger;
}

/**
 * A store outage makes the job wait for the store; any other error is recorded as its outcome
 * says. Recording needs PostgreSQL: when it fails because PostgreSQL went away meanwhile, the job
 * waits too, and the error is met again (and recorded) once the database answers.
 */
async function settleFailure(err: unknown, failed: Failed): Promise<unknown> {
  const store = storeOf(err, failed.options);
  if (store) return waitForStore(store, err, failed);
  try {
    return await recordFailure(err, failed);
  } catch (recordErr) {
    if (recordErr instanceof LeaseLostError) return superseded(recordErr, failed.log);
    const away = storeOf(recordErr, failed.options);
    if (!away) throw recordErr;
    return waitForStore(away, recordErr, failed);
  }
}

/**
 * The window's job goes back to the delayed set for a capped, growing delay, without using up an
 * attempt and without the circuit breaker: the outage is not the window's fault. It is parked
 * with the process's StoreHealth, which promotes it as soon as a probe finds the store back. The
 * window is set back to pending when PostgreSQL answers; when it does not, the row stays `running`
 * until the job runs again (a job whose worker died meanwhile is found by BullMQ's stalled-job check).
 */
async function waitForStore(store: Store, err: unknown, failed: Failed): Promise<unknown> {
  const { job, token, attempt, started, elapsedMs, options } = failed;
  const delayMs = options.health?.down(store, err) ?? DEFAULT_STORE_BACKOFF.baseMs;
  // Fenced like every write of the job: a window another attempt holds now is left to it.
  await releaseWindow(options.db, attempt, elapsedMs, started).catch(() => undefined);
  try {
    // With Redis away this waits for it (the worker's connection queues commands until it is back).
    await job.moveToDelayed(Date.now() + delayMs, token);
  } catch {
    // The lock was lost while Redis was away: BullMQ's stalled-job check hands the job out again.
    return err;
  }
  options.health?.park(store, job.id);
  return new WaitingForStoreError(store, delayMs);
}

/**
 * Records what `err` means for the window, as its class's outcome says, and returns what the job
 * throws to BullMQ: the error itself when BullMQ should retry (or keep) the job, an
 * UnrecoverableError when it must not.
 */
async function recordFailure(err: unknown, failed: Failed): Promise<unknown> {
  const { job, attempt, started, elapsedMs, options, log } = failed;
  const { db } = options;
  const key: WindowKey = attempt;
  const message = err instanceof Error ? err.message : String(err);
  const outcome = windowOutcome(err);
  if (outcome === 'release-job') {
    // Back to pending, picked up again from the last committed page.
    await releaseWindow(db, attempt, elapsedMs, started);
    return err;
  }
  if (outcome === 'halt-run') {
    // Every other request of this realm would fail the same way: stop the run now, no retry storm.
    await failWindowHaltingRun(db, attempt, message, elapsedMs);
    log.error({ err: message }, 'needs an operator: run halted');
    return new UnrecoverableError(message);
  }
  const attempts = job.opts.attempts ?? 1;
  const tried = job.attemptsMade + 1;
  if (outcome === 'retry-window' && tried < attempts) {
    await failWindowAttempt(db, attempt, { attempt: tried, attempts, message }, elapsedMs);
    log.warn({ err: message, attempt: tried }, 'window attempt failed; will retry');
    return err;
  }
  const breaker = await failWindow(
    db,
    attempt,
    message,
    elapsedMs,
    options.breakerThreshold ?? WINDOW_DEFAULTS.breakerThreshold,
  );
  if (breaker.halted)
    log.error({ consecutiveFailures: breaker.consecutiveFailures }, 'circuit breaker open: run halted');
  log.error({ err: message }, 'window failed');
  // What Bull Board shows as the failed reason: the error, and how to read the window again.
  return new UnrecoverableError(
    `${message}; read it again with: qbo-backfill retry --run ${key.runId} --entity ${key.entity} --day ${key.day} (or Retry in the dashboard)`,
  );
}
