/**
 * The span of every generated company, cut into UTC days. Records are generated one UTC day at a
 * time (by LastUpdatedTime), so any day can be produced on demand without the ones before it.
 */
import { DAY_MS } from '../pacific-time.js';

/** First generated day: 2024-01-01 (UTC). */
export const DATA_START_MS = Date.UTC(2024, 0, 1);
/** First instant after the generated span: 2027-01-01 (UTC), so 2026-12-31 is the last day. */
export const DATA_END_MS = Date.UTC(2027, 0, 1);
/** Number of generated days (1096). */
export const DATA_DAYS = Math.round((DATA_END_MS - DATA_START_MS) / DAY_MS);

/** Day index of an instant (may fall outside [0, DATA_DAYS)). */
export function dayIndexOf(ms: number): number {
  return Math.floor((ms - DATA_START_MS) / DAY_MS);
}

/** Epoch ms of the start of a day index. */
export function dayStartMs(day: number): number {
  return DATA_START_MS + day * DAY_MS;
}

function monthOfDate(day: number): number {
  const d = new Date(dayStartMs(day));
  return (d.getUTCFullYear() - 2024) * 12 + d.getUTCMonth();
}

/** The month of every day of the span: a plan reads one per day, for every entity of every realm. */
const MONTH_OF_DAY = Uint8Array.from({ length: DATA_DAYS }, (_, day) => monthOfDate(day));

/** Month index since 2024-01 of a day index, for month-level volume variation. */
export function monthIndexOf(day: number): number {
  return day >= 0 && day < DATA_DAYS ? (MONTH_OF_DAY[day] as number) : monthOfDate(day);
}

/**
 * Days that always get a few records of every entity: the first day (so references have targets)
 * and the days around the 2026 daylight-saving changes (2026-03-08 and 2026-11-01), where the
 * `-08:00`/`-07:00` offsets flip inside the data.
 */
export const PINNED_DAYS: ReadonlySet<number> = new Set(
  ['2024-01-01', '2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02'].map(
    (d) => dayIndexOf(Date.parse(`${d}T00:00:00Z`)),
  ),
);
