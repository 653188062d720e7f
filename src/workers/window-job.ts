import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { sql, type UpdateObject } from 'kysely';
import type { Db } from '../shared/db.js';
import type { Database, RunStatus } from '../shared/db-types.js';
import { findEntity, type EntityDefinition } from '../shared/entities.js';
import type { Logger } from '../shared/logger.js';
import type { WindowJobData } from '../shared/queue.js';
import {
  finalizeRunIfDone,
  getRun,
  getWindow,
  haltRun,
  recordWindowFailure,
  recordWindowSuccess,
} from '../shared/run-state.js';
import { InvalidGrantError, MissingRefreshTokenError } from './access-tokens.js';
import { QboError } from './qbo/qbo-errors.js';
import type { QueryResult } from './qbo/qbo-client.js';
import { pageRecords, parseRecord, type ParsedRecord } from './qbo-record.js';
import { upsertPage } from './upsert-page.js';
import { countStatement, pageStartPosition, pageStatement } from './window-query.js';

/** The part of the QBO client a window needs. */
export interface QboQuery {
  query(realmId: string, statement: string): Promise<QueryResult>;
}

export interface WindowProcessorOptions {
  db: Db;
  qbo: QboQuery;
  logger: Logger;
  /** Consecutive failed windows after which a run halts (circuit breaker). Default 3. */
  breakerThreshold?: number;
  /**
   * Extra passes over a window whose source count moved while it was paged (records changed under
   * the reader). Default 2; what is still off after them is recorded on the window, never hidden.
   */
  maxRereadPasses?: number;
  /** Aborted on shutdown: the job stops after its current page and goes back to the queue. */
  signal?: AbortSignal;
}

/** A window whose run was halted or cancelled before or while it ran. */
export interface StoppedOutcome {
  status: 'skipped' | 'cancelled';
  reason: string;
}

export type WindowOutcome =
  | { status: 'succeeded'; pages: number; rowsFetched: number; sourceCount: number | null }
  | StoppedOutcome
  | { status: 'already-done'; reason: string };

/** Whether another attempt of the job can succeed. Errors say so themselves; unknown ones can. */
function isRetryable(err: unknown): boolean {
  if (err instanceof QboError) return err.retry !== 'never';
  if (err instanceof UnrecoverableError) return false;
  if (err instanceof Error && 'retryable' in err) return err.retryable === true;
  // Database hiccups, Redis blips and the like: another attempt may well succeed.
  return true;
}

/** Errors only an operator can fix: the whole run stops at once instead of failing window by window. */
function needsOperator(err: unknown): err is Error {
  return err instanceof InvalidGrantError || err instanceof MissingRefreshTokenError;
}

function inWindow(r: ParsedRecord, start: Date, end: Date): boolean {
  return r.lastUpdated !== null && r.lastUpdated >= start && r.lastUpdated < end;
}

/** Whether a record belongs to the window read: any record does when the entity is read whole. */
function inScope(entity: EntityDefinition, r: ParsedRecord, start: Date, end: Date): boolean {
  return entity.read === 'whole' || inWindow(r, start, end);
}

/**
 * Processes one window job: every entity goes through this one loop, driven by its registry entry.
 * Pages are read in order and each is committed (upsert plus the window's counters) in one
 * transaction, so a retried job resumes after its last committed page and the counters stay exact.
 */
export async function processWindow(
  job: Job<WindowJobData>,
  token: string | undefined,
  options: WindowProcessorOptions,
): Promise<WindowOutcome> {
  const { db, logger } = options;
  const data = job.data;
  const log = logger.child({
    runId: data.runId,
    realmId: data.realmId,
    entity: data.entity,
    day: data.day,
    jobId: job.id,
  });
  const entity = findEntity(data.entity);
  if (!entity) throw new UnrecoverableError(`unknown entity ${JSON.stringify(data.entity)} in job data`);

  const run = await getRun(db, data.runId);
  if (!run) throw new UnrecoverableError(`run ${data.runId} does not exist`);
  const window = await getWindow(db, data.runId, data.entity, data.day);
  if (!window)
    throw new UnrecoverableError(`window ${data.entity} ${data.day} of run ${data.runId} does not exist`);
  if (['succeeded', 'skipped', 'cancelled'].includes(window.status)) {
    return { status: 'already-done', reason: `window is ${window.status}` };
  }
  // resume/retry gave the window a new job: an older one still queued must not run it a second time.
  if (window.job_id !== null && job.id !== undefined && window.job_id !== job.id) {
    return { status: 'already-done', reason: `superseded by job ${window.job_id}` };
  }
  const stop = await stopForRunStatus(db, data, run.status, run.status_reason);
  if (stop) return stop;

  await db
    .updateTable('ops.windows')
    .set((eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      started_at: sql`coalesce(started_at, now())`,
      job_id: job.id ?? null,
      updated_at: new Date(),
    }))
    .where('run_id', '=', data.runId)
    .where('entity', '=', data.entity)
    .where('day', '=', data.day)
    .execute();
  await db
    .updateTable('ops.runs')
    .set({ status: 'running', updated_at: new Date() })
    .where('run_id', '=', data.runId)
    .where('status', '=', 'scheduled')
    .execute();

  const startedAt = Date.now();
  const elapsed = () => Date.now() - startedAt;
  try {
    const result = await readWindow(
      job,
      token,
      entity,
      window.committed_pages,
      window.reread_passes,
      options,
      log,
    );
    if ('status' in result) {
      await setWindow(db, data, {
        status: result.status,
        error: result.reason,
        duration_ms: sql`duration_ms + ${elapsed()}`,
        finished_at: new Date(),
      });
      await finalizeRunIfDone(db, data.runId);
      return result;
    }
    await setWindow(db, data, {
      status: 'succeeded',
      source_count: result.sourceCount,
      error: result.shortfall,
      duration_ms: sql`duration_ms + ${elapsed()}`,
      finished_at: new Date(),
    });
    await recordWindowSuccess(db, data.runId);
    const runStatus = await finalizeRunIfDone(db, data.runId);
    log.info(
      { pages: result.pages, rowsFetched: result.rowsFetched, sourceCount: result.sourceCount, runStatus },
      'window done',
    );
    return {
      status: 'succeeded',
      pages: result.pages,
      rowsFetched: result.rowsFetched,
      sourceCount: result.sourceCount,
    };
  } catch (err) {
    if (err instanceof DelayedError) {
      // Released on shutdown: back to pending, picked up again from the last committed page.
      await setWindow(db, data, { status: 'pending', duration_ms: sql`duration_ms + ${elapsed()}` });
      throw err;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (needsOperator(err)) {
      // Every other request of this realm would fail the same way: stop the run now, no retry storm.
      await haltRun(db, data.runId, message);
      await setWindow(db, data, {
        status: 'failed',
        error: message,
        duration_ms: sql`duration_ms + ${elapsed()}`,
        finished_at: new Date(),
      });
      log.error({ err: message }, 'needs an operator: run halted');
      throw new UnrecoverableError(message);
    }
    const retryable = isRetryable(err);
    const attempts = job.opts.attempts ?? 1;
    const final = !retryable || job.attemptsMade + 1 >= attempts;
    if (!final) {
      await setWindow(db, data, {
        status: 'pending',
        error: `attempt ${job.attemptsMade + 1} of ${attempts} failed: ${message}`,
        duration_ms: sql`duration_ms + ${elapsed()}`,
      });
      log.warn({ err: message, attempt: job.attemptsMade + 1 }, 'window attempt failed; will retry');
      throw err;
    }
    await setWindow(db, data, {
      status: 'failed',
      error: message,
      duration_ms: sql`duration_ms + ${elapsed()}`,
      finished_at: new Date(),
    });
    const breaker = await recordWindowFailure(db, data.runId, options.breakerThreshold ?? 3);
    if (breaker.halted)
      log.error({ consecutiveFailures: breaker.consecutiveFailures }, 'circuit breaker open: run halted');
    await finalizeRunIfDone(db, data.runId);
    log.error({ err: message }, 'window failed');
    throw retryable ? err : new UnrecoverableError(message);
  }
}

interface ReadResult {
  pages: number;
  rowsFetched: number;
  sourceCount: number | null;
  /** Set when the source count and what was read still differ after every re-read pass. */
  shortfall: string | null;
}

async function readWindow(
  job: Job<WindowJobData>,
  token: string | undefined,
  entity: EntityDefinition,
  committedPages: number,
  rereadPasses: number,
  options: WindowProcessorOptions,
  log: Logger,
): Promise<ReadResult | StoppedOutcome> {
  const { db, qbo } = options;
  const data = job.data;
  const start = new Date(data.windowStart);
  const end = new Date(data.windowEnd);
  const maxPasses = options.maxRereadPasses ?? 2;
  let pass = rereadPasses;
  let page = committedPages;
  let totalPages = 0;
  let totalRows = 0;

  for (;;) {
    const resumed = page > 0;
    // Ids read in this pass inside the window. After a crash mid-pass the ids of the committed
    // pages are in the table: they seed the set.
    const ids = resumed ? await storedIdsInWindow(db, entity, data.realmId, start, end) : new Set<string>();
    // Last Id of the previous page: each page starts on it again (see pageStartPosition), and finding
    // it there proves no row before the position left or arrived while the pages were read.
    let lastId: string | undefined;
    let shifted = false;
    let lastPageRows = 0;
    for (;;) {
      if (options.signal?.aborted) {
        // Shutdown: what is committed stays; the job goes back to the queue without losing an attempt.
        await job.moveToDelayed(Date.now() + 1_000, token);
        throw new DelayedError();
      }
      const run = await getRun(db, data.runId);
      const stop = run && (await stopForRunStatus(db, data, run.status, run.status_reason, false));
      if (stop) return stop;

      const statement = pageStatement(
        entity,
        start,
        end,
        pageStartPosition(page, data.pageSize),
        data.pageSize,
      );
      const { queryResponse, intuitTid } = await qbo.query(data.realmId, statement);
      const received = pageRecords(queryResponse, entity.qboName).map(parseRecord);
      let records = received;
      if (page > 0 && data.pageSize > 1) {
        const first = received[0]?.id;
        const overlap = lastId !== undefined ? first === lastId : first !== undefined && ids.has(first);
        if (overlap) {
          records = received.slice(1); // read and stored with the previous page
        } else {
          shifted = true;
          log.warn(
            { page: page + 1, expected: lastId ?? null, found: first ?? null, intuitTid },
            'rows moved while paging',
          );
        }
      }
      const withoutId = records.filter((r) => r.id === undefined).length;
      const anomalies = records.filter((r) => r.id !== undefined && !inScope(entity, r, start, end));
      if (withoutId) log.warn({ page: page + 1, withoutId, intuitTid }, 'records without Id skipped');
      for (const r of anomalies) {
        log.warn(
          { id: r.id, lastUpdated: r.lastUpdated?.toISOString() ?? null, intuitTid },
          'record outside its window',
        );
      }
      await db.transaction().execute(async (trx) => {
        const counts = await upsertPage(trx, entity, records, {
          realmId: data.realmId,
          runId: data.runId,
          windowStart: start,
          windowEnd: end,
          pageNumber: page + 1,
          pageSize: data.pageSize,
          requestPayload: statement,
        });
        await trx
          .updateTable('ops.windows')
          .set((eb) => ({
            pages: eb('pages', '+', 1),
            rows_fetched: eb('rows_fetched', '+', records.length),
            inserted: eb('inserted', '+', counts.inserted),
            updated: eb('updated', '+', counts.updated),
            unchanged: eb('unchanged', '+', counts.unchanged),
            skipped: eb('skipped', '+', withoutId),
            temporal_anomalies: eb('temporal_anomalies', '+', anomalies.length),
            committed_pages: page + 1,
            updated_at: new Date(),
          }))
          .where('run_id', '=', data.runId)
          .where('entity', '=', data.entity)
          .where('day', '=', data.day)
          .execute();
      });
      page++;
      totalPages++;
      totalRows += records.length;
      lastPageRows = records.length;
      lastId = received[received.length - 1]?.id;
      for (const r of records) if (r.id !== undefined && inScope(entity, r, start, end)) ids.add(r.id);
      await job.updateProgress({ pass, page, rows: totalRows });
      await job.log(
        `pass ${pass} page ${page}: ${records.length} rows${intuitTid ? ` (intuit_tid ${intuitTid})` : ''}`,
      );
      // A short page ends the window. QBO's empty page has no entity key: zero rows, handled above.
      if (received.length < data.pageSize) break;
    }

    // A window answered by one page is one consistent snapshot: nothing can have been skipped.
    if (page === 1 && !resumed) {
      return { pages: totalPages, rowsFetched: totalRows, sourceCount: lastPageRows, shortfall: null };
    }
    // Several pages: rows that moved before the read position shift the rest (caught by the
    // overlap above), and rows that arrived after it was passed show as a source count above what
    // was read. Either way a record may be missing: read the window again.
    const sourceCount = await count(qbo, entity, data.realmId, start, end);
    if (!shifted && sourceCount <= ids.size) {
      return { pages: totalPages, rowsFetched: totalRows, sourceCount, shortfall: null };
    }
    const gap = `source count ${sourceCount}, read ${ids.size} distinct records${shifted ? ', rows moved while paging' : ''}`;
    if (pass >= maxPasses) {
      log.warn(
        { sourceCount, read: ids.size, passes: pass + 1 },
        'reconciliation shortfall left after every re-read',
      );
      return {
        pages: totalPages,
        rowsFetched: totalRows,
        sourceCount,
        shortfall:
          `reconciliation: ${gap} in each of ${pass + 1} passes; read it again later with: ` +
          `qbo-backfill retry --run ${data.runId} --entity ${data.entity} --day ${data.day}`,
      };
    }
    pass++;
    page = 0;
    log.warn(
      { sourceCount, read: ids.size, pass },
      `records changed while paging (${gap}); re-reading the window`,
    );
    await setWindow(db, data, { committed_pages: 0, reread_passes: pass });
  }
}

async function count(
  qbo: QboQuery,
  entity: EntityDefinition,
  realmId: string,
  start: Date,
  end: Date,
): Promise<number> {
  const { queryResponse } = await qbo.query(realmId, countStatement(entity, start, end));
  const total = queryResponse.totalCount;
  if (typeof total !== 'number') throw new Error(`COUNT(*) answered without totalCount`);
  return total;
}

/** After a crash mid-pass the ids read before it are in the table: they seed reconciliation. */
async function storedIdsInWindow(db: Db, entity: EntityDefinition, realmId: string, start: Date, end: Date) {
  let query = db
    .selectFrom(`raw.${entity.table}` as 'raw.qb_invoices')
    .select('id')
    .where('realm_id', '=', realmId);
  if (entity.read !== 'whole')
    query = query.where('source_last_updated_utc', '>=', start).where('source_last_updated_utc', '<', end);
  const rows = await query.execute();
  return new Set(rows.map((r) => r.id));
}

/** Halted or cancelled runs do no more work: their remaining windows end fast as skipped/cancelled. */
async function stopForRunStatus(
  db: Db,
  data: WindowJobData,
  status: RunStatus,
  reason: string | null,
  write = true,
): Promise<StoppedOutcome | undefined> {
  if (status !== 'halted' && status !== 'cancelled') return undefined;
  const outcome = {
    status: status === 'halted' ? ('skipped' as const) : ('cancelled' as const),
    reason: status === 'halted' ? `run halted: ${reason ?? 'no reason recorded'}` : 'run cancelled',
  };
  if (write)
    await setWindow(db, data, { status: outcome.status, error: outcome.reason, finished_at: new Date() });
  return outcome;
}

async function setWindow(
  db: Db,
  data: WindowJobData,
  values: UpdateObject<Database, 'ops.windows'>,
): Promise<void> {
  await db
    .updateTable('ops.windows')
    .set({ ...values, updated_at: new Date() })
    .where('run_id', '=', data.runId)
    .where('entity', '=', data.entity)
    .where('day', '=', data.day)
    .execute();
}
