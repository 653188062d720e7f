/**
 * A notion of now that can be injected. Code whose behaviour depends on time reads a Clock instead
 * of Date.now() and waits with its sleep instead of setTimeout. The default is the system clock.
 * A test passes a {@link ManualClock} and moves it with explicit advances, so what depends on time
 * comes out the same, to the record, on a fast machine and on a slow one. The emulator reads one
 * for everything time-driven (drift, token lifetimes, the sliding window, latency, every answer's
 * `time`); workers read one for token freshness and store-outage probes.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves once `ms` of this clock's time have passed, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time and real timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  sleep: (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
});

interface Sleeper {
  readonly wakeAt: number;
  readonly wake: () => void;
}

/**
 * A clock that stands still until told to move. `advance` moves it and wakes, in order, every
 * sleep whose end it passes; they resume after `advance` returns and read the new time, so
 * advance in steps no longer than the gaps a test cares about.
 */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private readonly watchers: Array<{ count: number; resolve: () => void }> = [];

  /** @param start the instant the clock shows until first advanced (epoch ms or a Date) */
  constructor(start: number | Date) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        wakeAt: this.current + ms,
        wake: () => {
          signal?.removeEventListener('abort', sleeper.wake);
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
      };
      signal?.addEventListener('abort', sleeper.wake, { once: true });
      this.sleepers.push(sleeper);
      for (const w of this.watchers.filter((w) => this.sleepers.length >= w.count)) {
        this.watchers.splice(this.watchers.indexOf(w), 1);
        w.resolve();
      }
    });
  }

  /** Moves the clock `ms` forward (never back) and wakes the sleeps that end by then. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance: expected a duration >= 0 ms, got ${ms}`);
    this.current += ms;
    const due = this.sleepers.filter((s) => s.wakeAt <= this.current).sort((a, b) => a.wakeAt - b.wakeAt);
    for (const sleeper of due) sleeper.wake();
  }

  /** How many sleeps are waiting for the clock to move. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Resolves once at least `count` sleeps wait for the clock (requests held in their latency). */
  untilSleeping(count: number): Promise<void> {
    if (this.sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ count, resolve }));
  }
}
