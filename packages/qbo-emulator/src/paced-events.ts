/**
 * Events at a steady rate per minute since the rate was set, applied lazily: whoever looks at the
 * data first catches up on every event due by the clock's now, each stamped with its own instant
 * (evenly spread, never later than now). The outcome depends on the clock's readings only, never
 * on timers, so under a ManualClock the number of events is exact: `floor(elapsed / interval)`.
 * Drift is one such stream; any other change made "while serving" can be another.
 */

import { rngFor, type Rng } from './prng.js';

/** At most this many events are applied per catch-up (protects against huge rates); the rest are skipped. */
const MAX_CATCH_UP = 10_000;

export class PacedEvents {
  private since: number;
  private applied = 0;
  private epochs = 0;

  constructor(now: number) {
    this.since = now;
  }

  /** Counts restarts: with the event index it names an event uniquely, for seeding its draws. */
  get epoch(): number {
    return this.epochs;
  }

  /** Starts the schedule over at `now` (called when the rate changes). */
  restart(now: number): void {
    this.since = now;
    this.applied = 0;
    this.epochs++;
  }

  /** Calls `apply` for each event due by `now` at `perMinute`, in order; returns how many it applied. */
  catchUp(now: number, perMinute: number, apply: (index: number, at: number) => void): number {
    if (perMinute <= 0) return 0;
    const intervalMs = 60_000 / perMinute;
    const due = Math.floor((now - this.since) / intervalMs);
    let done = 0;
    while (this.applied < due && done < MAX_CATCH_UP) {
      const i = this.applied++;
      apply(i, Math.min(now, this.since + (i + 1) * intervalMs));
      done++;
    }
    if (this.applied < due) this.applied = due; // skipped beyond the cap
    return done;
  }
}

/** What one paced change does to one realm: `rng` is seeded by the realm, the stream and the event. */
export type RealmChange<S> = (store: S, rng: Rng, at: number) => void;

/**
 * A paced stream of changes applied to every realm at each event (drift, activity): one schedule,
 * and each realm's change drawn from its own seeded stream, so realms differ and a seed repeats.
 */
export class PacedRealmChanges<S extends { readonly realmId: string }> {
  private readonly events: PacedEvents;

  constructor(
    private readonly seed: number,
    private readonly stream: string,
    now: number,
    private readonly change: RealmChange<S>,
  ) {
    this.events = new PacedEvents(now);
  }

  /** Restarts the schedule (called when the rate changes). */
  restart(now: number): void {
    this.events.restart(now);
  }

  /** Applies the changes due by `now`; returns how many moments were applied (one change per realm each). */
  catchUp(now: number, perMinute: number, stores: readonly S[]): number {
    return this.events.catchUp(now, perMinute, (i, at) => {
      for (const store of stores)
        this.change(store, rngFor(this.seed, store.realmId, this.stream, this.events.epoch, i), at);
    });
  }
}
