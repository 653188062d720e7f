import { quoteInput, UsageError } from '../../model/usage-error.js';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// An instant must carry its offset: a bare local time would mean something different on every machine.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseDateOnly(value: string, flag: string): Date | undefined {
  const m = DATE_ONLY.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Date.UTC rolls 2026-02-30 over to March: a round trip tells a real calendar day.
  if (date.toISOString().slice(0, 10) !== value)
    throw new UsageError(`${flag}: ${value} is not a calendar date`);
  return date;
}

function parseInstant(value: string, flag: string): Date | undefined {
  if (!INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: ${value} is not a valid instant`);
  return new Date(ms);
}

const EXPECTED = 'expected a UTC date (2026-01-01) or an ISO instant with an offset (2026-01-01T00:00:00Z)';

/** `--from`: a date is that day's UTC midnight; an instant is itself. */
export function parseFrom(value: string): Date {
  const d = parseDateOnly(value, '--from') ?? parseInstant(value, '--from');
  if (!d) throw new UsageError(`--from: ${EXPECTED}, got ${quoteInput(value)}`);
  return d;
}

/** `--to`: a date includes that whole day (the end is the next midnight); an instant is the exclusive end. */
export function parseTo(value: string): Date {
  const day = parseDateOnly(value, '--to');
  if (day) return new Date(day.getTime() + DAY_MS);
  const d = parseInstant(value, '--to');
  if (!d) throw new UsageError(`--to: ${EXPECTED}, got ${quoteInput(value)}`);
  return d;
}

/** `--start-at`: an instant with an explicit offset, not in the past by more than a minute. */
export function parseStartAt(value: string | undefined, now: Date): Date {
  if (value === undefined) return now;
  const d = parseInstant(value, '--start-at');
  if (!d) {
    throw new UsageError(
      `--start-at: expected an ISO instant with an offset (2026-02-01T15:30:00Z or 2026-02-01T10:30:00-05:00), got ${quoteInput(value)}`,
    );
  }
  return d;
}

/** `--day`: one UTC calendar day (`2026-01-01`), as its label. */
export function parseDay(value: string | undefined, flag = '--day'): string {
  if (value === undefined || !DATE_ONLY.test(value))
    throw new UsageError(`${flag}: expected a UTC date such as 2026-01-01, got ${quoteInput(value ?? '')}`);
  parseDateOnly(value, flag);
  return value;
}

/**
 * The first instant a range may start at. QuickBooks Online opened to the public in 2000: no
 * record of a company can carry an earlier LastUpdatedTime, and a range reaching back further
 * only plans thousands of empty windows (1900-01-01 to today: 46,000 days per entity).
 */
export const EARLIEST_FROM = new Date('2000-01-01T00:00:00Z');

/**
 * The range policy of enqueue. `--from` no earlier than 2000-01-01. `--to` no later than the end
 * of the day after the run starts (UTC): a day still to come has no data yet, and a window read
 * before its day is over would succeed with part of it and never be read again. "The day after"
 * leaves room for companies east of UTC, whose today is already UTC's tomorrow.
 */
export function checkRange(from: Date, to: Date, startAt: Date, raw: { from: string; to: string }): void {
  if (from < EARLIEST_FROM) {
    throw new UsageError(
      `--from: ${raw.from} is before 2000-01-01; QuickBooks Online holds no data from before 2000, give a later date`,
    );
  }
  const latest = new Date(Math.floor(startAt.getTime() / DAY_MS) * DAY_MS + 2 * DAY_MS);
  if (to > latest) {
    throw new UsageError(
      `--to: ${raw.to} is after ${latest.toISOString().slice(0, 10)} (the day after the run starts, UTC); days still to come have no data yet: give an earlier --to, or a later --start-at`,
    );
  }
}

export interface DayWindow {
  /** UTC day label `YYYY-MM-DD` of the window's start. */
  day: string;
  start: Date;
  end: Date;
}

/** Half-open UTC days covering [from, to), the first and last clipped to the range. */
export function planDays(from: Date, to: Date): DayWindow[] {
  if (!(from < to)) throw new UsageError(`--from must be before --to`);
  const windows: DayWindow[] = [];
  let dayStart = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
  while (dayStart < to.getTime()) {
    const start = new Date(Math.max(dayStart, from.getTime()));
    const end = new Date(Math.min(dayStart + DAY_MS, to.getTime()));
    windows.push({ day: start.toISOString().slice(0, 10), start, end });
    dayStart += DAY_MS;
  }
  return windows;
}
