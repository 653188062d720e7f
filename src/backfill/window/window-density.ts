/**
 * The parts of a window's read that follow the data's density: whether a full first page splits
 * the window (planSplit decides where), what each page adds per UTC day, and QBO's COUNT.
 */
import type { EntityDefinition } from '../../model/entities.js';
import { NO_PAGE_DAYS, splitWindow, type PageDays } from '../state/index.js';
import type { ParsedRecord } from '../../qbo/qbo-record.js';
import type { QboQuery } from '../../qbo/qbo-client.js';
import { countStatement } from '../../qbo/query.js';
import type { WindowRead } from './types.js';
import { planSplit } from './window-split-plan.js';

/**
 * Whether a record belongs to the window read. Any record does when the entity is read whole: its
 * query has no time condition, and its one window stands for the whole run.
 */
export function inScope(entity: EntityDefinition, r: ParsedRecord, start: Date, end: Date): boolean {
  if (entity.read === 'whole') return true;
  if (r.lastUpdated === null) return false;
  // As numbers: `>=` on two Dates converts both through valueOf, a slow path run twice a record.
  const at = r.lastUpdated.getTime();
  return at >= start.getTime() && at < end.getTime();
}

/**
 * A full first page of a splittable window: its COUNT says whether it is dense (planSplit). When it
 * is, the window keeps its first part, which holds the page just read, and the other parts become
 * windows with jobs of their own. Returns the window's end from now on (the caller's to adopt: it
 * changes nothing of `read`), and the requests it took.
 */
export async function splitIfDense(
  read: WindowRead,
  firstPage: ParsedRecord[],
): Promise<{ end: Date; requests: number }> {
  const { job, entity, options, log } = read;
  const { start, end } = read.range;
  const last = firstPage[firstPage.length - 1]?.lastUpdated;
  if (!last) return { end, requests: 0 };
  const records = await countWindow(options.qbo, entity, job.data.realmId, start, end);
  const plan = planSplit(records, job.data.pageSize, start, end, last);
  if (!plan) return { end, requests: 1 };
  await splitWindow(options.db, read.attempt, plan.end, plan.parts);
  // Ranked with the realm's other windows: a part that waits for the budget keeps its turn.
  await options.addPendingJobs?.(job.data.runId, 'fair');
  log.info(
    { records, parts: plan.parts.length + 1, until: plan.end.toISOString() },
    'dense window split into parts read in parallel',
  );
  return { end: plan.end, requests: 1 };
}

/**
 * What the page adds per UTC day (ops.window_days), for a window over more than one day: records
 * within the window, by the day of their LastUpdatedTime; the page counts on the day of its first
 * such record (or the window's first day).
 */
export function pageDays(read: WindowRead, records: ParsedRecord[], start: Date, end: Date): PageDays {
  if (read.entity.read === 'whole' || end.getTime() - start.getTime() <= DAY_MS) return NO_PAGE_DAYS;
  const rows = new Map<string, number>();
  const offered = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.id === undefined || !inScope(read.entity, r, start, end)) continue;
    const day = (r.lastUpdated as Date).toISOString().slice(0, 10);
    rows.set(day, (rows.get(day) ?? 0) + 1);
    const ids = offered.get(day) ?? new Set<string>();
    ids.add(r.id);
    offered.set(day, ids);
  }
  if (rows.size === 0) rows.set(read.attempt.day, 0);
  const days = [...rows.keys()];
  return {
    days,
    rows: days.map((d) => rows.get(d) ?? 0),
    offered: days.map((d) => offered.get(d)?.size ?? 0),
    pages: days.map((_, i) => (i === 0 ? 1 : 0)),
  };
}

const DAY_MS = 86_400_000;

/** QBO's COUNT(*) of the window's records. */
export async function countWindow(
  qbo: QboQuery,
  entity: EntityDefinition,
  realmId: string,
  start: Date,
  end: Date,
) {
  const { queryResponse } = await qbo.query(realmId, countStatement(entity, start, end), entity.name);
  const total = queryResponse.totalCount;
  if (typeof total !== 'number') throw new Error(`COUNT(*) answered without totalCount`);
  return total;
}
