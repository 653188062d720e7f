/** Measurements over request start/end times gathered from several processes. */

/** A request as observed by the process that ran it (ms, same machine clock). */
export interface Interval {
  start: number;
  end: number;
}

/** The most starts that fall in any half-open window `[t, t + windowMs)`. */
export function maxInSlidingWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

/**
 * The most requests in flight at once. At equal times an end counts before a start: a slot is
 * handed over only after the previous request has ended, so that order is the causal one.
 */
export function maxConcurrency(intervals: readonly Interval[]): number {
  const events: Array<[number, number]> = [];
  for (const { start, end } of intervals) events.push([start, 1], [end, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let best = 0;
  for (const [, delta] of events) {
    current += delta;
    best = Math.max(best, current);
  }
  return best;
}

/**
 * Wall-clock time comparable across processes on one machine. Whole milliseconds on purpose: every
 * process reads the same clock, so a start that really follows an end never reads earlier than it
 * (finer per-process clocks can disagree by fractions of a millisecond).
 */
export function now(): number {
  return Date.now();
}
