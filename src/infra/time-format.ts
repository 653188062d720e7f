/** `2026-02-01T15:30:00Z`: instants in output are UTC, to the second. */
export function utcInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2026-02-01 10:30 America/Guayaquil`: the same instant on the wall clock of a second zone. */
export function zonedWallClock(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}`;
}

/** `2026-02-01T15:30:00Z = 2026-02-01 10:30 America/Guayaquil`. */
export function bothZones(date: Date, timeZone: string): string {
  return `${utcInstant(date)} = ${zonedWallClock(date, timeZone)}`;
}

/** `YYYY-MM-DD` of an instant's UTC day. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `2026-01-01 to 2026-01-31 (UTC days)`: a half-open range by its days, the end's own day excluded. */
export function utcDayRange(start: Date, end: Date): string {
  return `${utcDay(start)} to ${utcDay(new Date(end.getTime() - 1))} (UTC days)`;
}

/** `13d 23h`, `5h 2m`, `4m 10s`, `-2d 1h`: a span of seconds in its two largest units. */
export function shortDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d ? [`${d}d`, `${h}h`] : h ? [`${h}h`, `${m}m`] : m ? [`${m}m`, `${s}s`] : [`${s}s`];
  return sign + parts.join(' ');
}

/** `15m`, `6h`, `90s`: a period in the largest unit that divides it (as `--every` takes it). */
export function periodText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
