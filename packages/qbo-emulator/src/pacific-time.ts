/**
 * QBO writes `MetaData` times as second-precision strings carrying the America/Los_Angeles offset
 * of that instant (`-08:00` in winter, `-07:00` in summer), never `Z`. The offset is computed here
 * from the US daylight-saving rule in force since 2007 (second Sunday of March 02:00 local to
 * first Sunday of November 02:00 local) rather than through `Intl`, because it runs for every
 * record of every page. A test checks it against `Intl` across the data range.
 */

const DAY_MS = 86_400_000;

/** Epoch ms of the n-th (1-based) Sunday of a month (0-based month) at the given UTC hour. */
function nthSundayUtc(year: number, month: number, n: number, utcHour: number): number {
  const first = Date.UTC(year, month, 1);
  const weekday = new Date(first).getUTCDay();
  const firstSunday = 1 + ((7 - weekday) % 7);
  return Date.UTC(year, month, firstSunday + (n - 1) * 7, utcHour);
}

const dstCache = new Map<number, readonly [number, number]>();

/** [start, end) of Pacific daylight time in a year, as epoch ms. */
function dstBounds(year: number): readonly [number, number] {
  let bounds = dstCache.get(year);
  if (!bounds) {
    // 02:00 PST = 10:00 UTC; 02:00 PDT = 09:00 UTC.
    bounds = [nthSundayUtc(year, 2, 2, 10), nthSundayUtc(year, 10, 1, 9)] as const;
    dstCache.set(year, bounds);
  }
  return bounds;
}

/** The Pacific offset of an instant in minutes east of UTC: -480 (PST) or -420 (PDT). */
export function pacificOffsetMinutes(ms: number): number {
  const [start, end] = dstBounds(new Date(ms).getUTCFullYear());
  return ms >= start && ms < end ? -420 : -480;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Wall-clock fields of an instant shifted by an offset. */
function shifted(ms: number, offsetMinutes: number): Date {
  return new Date(ms + offsetMinutes * 60_000);
}

function dateText(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function clockText(d: Date): string {
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `2026-01-15T16:20:03-08:00`: how QBO writes `MetaData` times (seconds are truncated). */
export function formatPacific(ms: number): string {
  const offset = pacificOffsetMinutes(ms);
  const d = shifted(ms, offset);
  return `${dateText(d)}T${clockText(d)}${offsetText(offset)}`;
}

/**
 * The envelope `time` of every response, e.g. `2026-01-15T10:38:50.01-08:00`: QBO prints a
 * variable number of fraction digits (trailing zeros dropped, none at all on a whole second).
 */
export function formatEnvelopeTime(ms: number): string {
  const offset = pacificOffsetMinutes(ms);
  const d = shifted(ms, offset);
  const fraction = pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '');
  return `${dateText(d)}T${clockText(d)}${fraction ? `.${fraction}` : ''}${offsetText(offset)}`;
}

/** The Pacific calendar date of an instant (what QBO shows as a transaction date). */
export function pacificDate(ms: number): string {
  return dateText(shifted(ms, pacificOffsetMinutes(ms)));
}

/** The UTC calendar date of an instant: the product's windows are UTC days. */
export function utcDate(ms: number): string {
  return dateText(new Date(ms));
}

/** Epoch ms of a UTC date `YYYY-MM-DD` at midnight, or undefined when malformed. */
export function parseUtcDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return utcDate(ms) === text ? ms : undefined;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Parses an ISO-8601 instant that carries an offset (`Z` or `±hh:mm`). Without an offset the
 * meaning is undocumented in QBO, so the emulator refuses such literals (undefined here).
 */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const month = Number(mo);
  const day = Number(d);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s ?? 0) > 59
  ) {
    return undefined;
  }
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s ?? 0));
  if (new Date(ms).getUTCDate() !== day) return undefined;
  if (frac) ms += Math.floor(Number(`0${frac}`) * 1000);
  if (off && off.toUpperCase() !== 'Z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const minutes = Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6));
    ms -= sign * minutes * 60_000;
  }
  return ms;
}

export { DAY_MS };
