import { UsageError } from '../shared/usage-error.js';

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
  if (!d) throw new UsageError(`--from: ${EXPECTED}, got ${JSON.stringify(value)}`);
  return d;
}

/** `--to`: a date includes that whole day (the end is the next midnight); an instant is the exclusive end. */
export function parseTo(value: string): Date {
  const day = parseDateOnly(value, '--to');
  if (day) return new Date(day.getTime() + DAY_MS);
  const d = parseInstant(value, '--to');
  if (!d) throw new UsageError(`--to: ${EXPECTED}, got ${JSON.stringify(value)}`);
  return d;
}

/** `--start-at`: an instant with an explicit offset, not in the past by more than a minute. */
export function parseStartAt(value: string | undefined, now: Date): Date {
  if (value === undefined) return now;
  const d = parseInstant(value, '--start-at');
  if (!d) {
    throw new UsageError(
      `--start-at: expected an ISO instant with an offset (2026-02-01T15:30:00Z or 2026-02-01T10:30:00-05:00), got ${JSON.stringify(value)}`,
    );
  }
  return d;
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
