import { ROWS_UPSERTED } from '../../infra/cluster-metrics.js';
import type { Db } from '../../infra/db.js';
import type { EntityDefinition } from '../../model/entities.js';
import { commitPageWithUpsert, getRun, LeaseLostError, restartPass } from '../state/index.js';
import { readPageRecords } from '../../qbo/qbo-response.js';
import { releaseIfRealmBusy, releaseJob } from './job-release.js';
import { pageUpsert, type Adjusted } from '../../raw/upsert-page.js';
import { WINDOW_DEFAULTS, type ReadResult, type WindowRead } from './types.js';
import { pageStartPosition, pageStatement } from '../../qbo/query.js';
import { addAdjusted, windowNote } from './window-note.js';
import { countWindow, inScope, pageDays, splitIfDense } from './window-density.js';
import { stopForRun, stoppedRun, toRunState, type StoppedOutcome } from './window-stop.js';

/** What this job read so far, over every pass. */
interface Totals {
  pages: number;
  rows: number;
  adjusted: Record<string, number>;
  /** COUNTs asked since the last page committed: the next commit (or the end) records them. */
  uncounted: number;
}

/** One pass over the window's pages, from `page` on. */
interface Pass {
  number: number;
  /** Pages of this pass committed so far (the next page's 0-based index). */
  page: number;
  /** Ids read in this pass inside the window. */
  ids: Set<string>;
  /** True when a page did not start on the previous page's last row. */
  shifted: boolean;
  lastPageRows: number;
  /** Set once the pass's one page committed the window's success with it. */
  finished: boolean;
  /** That page's intuit_tid, for the job's return value instead of its page log. */
  intuitTid?: string | undefined;
}

/**
 * Reads the window's pages pass after pass until what was read agrees with QBO's own count of the
 * window, or the re-read passes are used up (then the shortfall is reported, never hidden).
 */
export async function readWindow(read: WindowRead): Promise<ReadResult | StoppedOutcome> {
  const { job, entity, options, log } = read;
  const data = job.data;
  const maxPasses = options.maxRereadPasses ?? WINDOW_DEFAULTS.maxRereadPasses;
  const totals: Totals = { pages: 0, rows: 0, adjusted: {}, uncounted: 0 };
  let pass = read.from.pass;
  let page = read.from.page;

  for (;;) {
    const resumed = page > 0;
    // After a crash mid-pass the ids of the committed pages are in the table: they seed the set.
    const ids = resumed
      ? await storedIdsInWindow(options.db, entity, data.realmId, read.range.start, read.range.end)
      : new Set<string>();
    const current: Pass = { number: pass, page, ids, shifted: false, lastPageRows: 0, finished: false };
    const stopped = await readPages(read, current, totals);
    if (stopped) return stopped;

    // A window answered by one page is one consistent snapshot: nothing can have been skipped.
    if (current.page === 1 && !resumed) {
      return {
        pages: totals.pages,
        rowsFetched: totals.rows,
        sourceCount: current.lastPageRows,
        shortfall: null,
        adjusted: totals.adjusted,
        finished: current.finished,
        intuitTid: current.intuitTid,
        uncountedRequests: totals.uncounted,
      };
    }
    // Several pages: rows that moved before the read position shift the rest (caught by the
    // overlap check), and rows that arrived after it was passed show as a source count above what
    // was read. Either way a record may be missing: read the window again.
    const sourceCount = await countWindow(
      options.qbo,
      entity,
      data.realmId,
      read.range.start,
      read.range.end,
    );
    totals.uncounted++;
    if (!current.shifted && sourceCount <= ids.size) {
      return {
        pages: totals.pages,
        rowsFetched: totals.rows,
        sourceCount,
        shortfall: null,
        adjusted: totals.adjusted,
        finished: false,
        uncountedRequests: totals.uncounted,
      };
    }
    const gap = `source count ${sourceCount}, read ${ids.size} distinct records${current.shifted ? ', rows moved while paging' : ''}`;
    if (pass >= maxPasses) {
      log.warn(
        { sourceCount, read: ids.size, passes: pass + 1 },
        'reconciliation shortfall left after every re-read',
      );
      return {
        pages: totals.pages,
        rowsFetched: totals.rows,
        sourceCount,
        shortfall:
          `reconciliation: ${gap} in each of ${pass + 1} passes; read it again later with: ` +
          `qbo-backfill retry --run ${data.runId} --entity ${data.entity} --day ${data.day}`,
        adjusted: totals.adjusted,
        finished: false,
        uncountedRequests: totals.uncounted,
      };
    }
    pass++;
    page = 0;
    log.warn(
      { sourceCount, read: ids.size, pass },
      `records changed while paging (${gap}); re-reading the window`,
    );
    await restartPass(options.db, read.attempt, pass, totals.uncounted);
    totals.uncounted = 0;
  }
}

/**
 * Reads and commits the pages of one pass until a short page ends it. Stops early when the run
 * was halted or cancelled meanwhile, and moves the job back to the queue on shutdown or when its
 * realm's budget is booked ahead (releaseIfRealmBusy).
 */
async function readPages(read: WindowRead, pass: Pass, totals: Totals): Promise<StoppedOutcome | undefined> {
  const { job, token, attempt, entity, options, log } = read;
  const { db, qbo } = options;
  const data = job.data;
  const start = read.range.start;
  let end = read.range.end;
  // Last Id of the previous page: each page starts on it again (see pageStartPosition), and finding
  // it there proves no row before the position left or arrived while the pages were read.
  let lastId: string | undefined;
  // The run as the start read it, for this job's first page only (see WindowRead.run).
  let startedRun = totals.pages === 0 ? read.run : undefined;
  for (;;) {
    // Shutdown: what is committed stays; the job goes back to the queue without losing an attempt.
    if (options.signal?.aborted) await releaseJob(job, token, 1_000, undefined, totals.pages > 0);
    // This job's first page was asked for before the window started (processWindow).
    if (totals.pages > 0) await releaseIfRealmBusy(job, token, options, log, true);
    const run = startedRun ?? (await getRun(db, data.runId).then((r) => r && toRunState(r)));
    startedRun = undefined;
    const stop = run && stopForRun(run.status, run.statusReason);
    if (stop) return stop;

    const page = pass.page;
    const statement = pageStatement(
      entity,
      start,
      end,
      pageStartPosition(page, data.pageSize),
      data.pageSize,
    );
    const { queryResponse, intuitTid } = await qbo.query(data.realmId, statement, entity.name);
    const received = readPageRecords(queryResponse, entity.qboName);
    if (page === 0 && pass.number === 0 && read.splittable && received.length === data.pageSize) {
      // A full first page: the window may be dense enough to read in parallel parts.
      const split = await splitIfDense(read, received);
      // The window is its first part from now on: this pass and every later one read only that.
      end = split.end;
      read.range = { start, end };
      totals.uncounted += split.requests;
    }
    let records = received;
    if (page > 0 && data.pageSize > 1) {
      const first = received[0]?.id;
      const overlap = lastId !== undefined ? first === lastId : first !== undefined && pass.ids.has(first);
      if (overlap) {
        records = received.slice(1); // read and stored with the previous page
      } else {
        pass.shifted = true;
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
    // A short first page of a pass that started at its first page ends the window (readWindow):
    // its success commits with the page, in the same statement as the page's upsert and counters.
    const endsWindow = pass.page === 0 && received.length < data.pageSize;
    const adjusted: Adjusted = {};
    const upsert = pageUpsert(
      entity,
      records,
      {
        realmId: data.realmId,
        runId: data.runId,
        windowStart: start,
        windowEnd: end,
        pageNumber: page + 1,
        pageSize: data.pageSize,
        requestPayload: statement,
      },
      adjusted,
    );
    const finish = endsWindow
      ? {
          result: {
            sourceCount: records.length,
            shortfall: windowNote({
              shortfall: null,
              adjusted: addAdjusted({ ...totals.adjusted }, adjusted),
            }),
          },
          elapsedMs: read.elapsedMs(),
        }
      : undefined;
    let counts;
    try {
      counts = await commitPageWithUpsert(
        db,
        attempt,
        upsert,
        {
          pageNumber: page + 1,
          rowsFetched: records.length,
          skipped: withoutId,
          temporalAnomalies: anomalies.length,
        },
        finish,
        1 + totals.uncounted,
        pageDays(read, records, start, end),
      );
    } catch (err) {
      // Refused: another attempt holds the window (the job stops), or the run was cancelled or
      // halted since the check above, while this job still holds it: then the window stops so.
      if (err instanceof LeaseLostError) {
        const stopped = await stoppedRun(db, attempt);
        if (stopped) return stopped;
      }
      throw err;
    }
    totals.uncounted = 0;
    for (const outcome of ['inserted', 'updated', 'unchanged'] as const)
      options.metrics?.inc(ROWS_UPSERTED, { entity: entity.name, outcome }, counts[outcome]);
    addAdjusted(totals.adjusted, adjusted);
    for (const [reason, n] of Object.entries(adjusted)) {
      log.warn(
        { page: page + 1, reason, records: n, intuitTid },
        'records stored with a change that made them storable',
      );
    }
    pass.page++;
    totals.pages++;
    totals.rows += records.length;
    pass.lastPageRows = records.length;
    lastId = received[received.length - 1]?.id;
    for (const r of records) if (r.id !== undefined && inScope(entity, r, start, end)) pass.ids.add(r.id);
    if (endsWindow) {
      // The job is done: its progress and page log (one Redis round trip each) would only repeat
      // what its return value and the window's row say; the intuit_tid goes in its return value.
      pass.finished = true;
      pass.intuitTid = intuitTid;
      return undefined;
    }
    // Sent together: ioredis pipelines them on its connection, one round trip instead of two.
    await Promise.all([
      job.updateProgress({ pass: pass.number, page: pass.page, rows: totals.rows }),
      job.log(
        `pass ${pass.number} page ${pass.page}: ${records.length} rows${intuitTid ? ` (intuit_tid ${intuitTid})` : ''}`,
      ),
    ]);
    // A short page ends the pass. QBO's empty page has no entity key: zero rows, handled above.
    if (received.length < data.pageSize) return undefined;
  }
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
