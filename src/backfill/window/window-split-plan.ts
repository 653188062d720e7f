/**
 * When a window of an adaptive run splits, and where (pure: the window loop asks, the state
 * transition splitWindow writes).
 *
 * A window is read in pages that overlap by a row (pageStartPosition), so a part of P pages costs
 * about P + 2 requests: its pages, a short last page, and the COUNT that reconciles it. Parts of at
 * least PART_PAGES pages keep that overhead under a fifth, which is how a backfill costs about
 * one request per `pageSize` records; a window splits only when it holds at least twice that, so
 * a sparse entity stays one window however long its range. Parts are whole UTC days (the unit
 * users see, and the key of a window), spread evenly over the window's days: dense data pages in
 * parallel, day by day at the densest.
 */
import type { WindowPart } from '../state/index.js';

const DAY_MS = 86_400_000;

/** Pages a part of a split window holds at least. */
export const PART_PAGES = 10;

export interface SplitPlan {
  /** The window's new end: it keeps [start, end). */
  end: Date;
  /** The other parts, each a window of its own. */
  parts: WindowPart[];
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The split of window [start, end) holding `records` records (its COUNT), read `pageSize` at a
 * time, whose first page ends with a record last updated at `firstPageLast`: the first part must
 * hold that page, so every bound lies after that record's UTC day. Undefined: read it whole.
 */
export function planSplit(
  records: number,
  pageSize: number,
  start: Date,
  end: Date,
  firstPageLast: Date,
): SplitPlan | undefined {
  if (records < 2 * PART_PAGES * pageSize) return undefined;
  const firstDay = Math.floor(start.getTime() / DAY_MS) * DAY_MS;
  const days = Math.ceil((end.getTime() - firstDay) / DAY_MS);
  const count = Math.min(days, Math.floor(records / (PART_PAGES * pageSize)));
  if (count < 2) return undefined;
  const after = Math.floor(firstPageLast.getTime() / DAY_MS) * DAY_MS + DAY_MS;
  const bounds = [
    ...new Set(
      Array.from({ length: count - 1 }, (_, i) => firstDay + Math.round(((i + 1) * days) / count) * DAY_MS),
    ),
  ].filter((b) => b >= after && b > start.getTime() && b < end.getTime());
  const first = bounds[0];
  if (first === undefined) return undefined;
  const parts = bounds.map((b, i) => ({
    day: utcDay(b),
    start: new Date(b),
    end: new Date(bounds[i + 1] ?? end.getTime()),
  }));
  return { end: new Date(first), parts };
}
