/**
 * Source changes while serving: `driftPerMinute` records per realm and minute get a new version
 * (SyncToken + 1, LastUpdatedTime moved to the moment of the change, a visible edit). Changes are
 * applied lazily, whenever someone looks (an API or truth request), at evenly spread moments since
 * the rate was set, so the outcome does not depend on timers. Which record changes is drawn from
 * the seed among invoices, customers and items (DRIFT_KINDS); a record already deleted is skipped.
 */
import { rngFor } from '../prng.js';
import { dayIndexOf } from './calendar.js';
import { DRIFT_KINDS } from './entities.js';
import type { RealmStore } from './realm-store.js';

/** At most this many changes are applied per catch-up (protects against huge rates). */
const MAX_CATCH_UP = 10_000;

export class Drift {
  private since: number;
  private applied = 0;
  private epoch = 0;

  constructor(
    private readonly seed: number,
    now: number,
  ) {
    this.since = now;
  }

  /** Restarts the schedule (called when the rate changes). */
  restart(now: number): void {
    this.since = now;
    this.applied = 0;
    this.epoch++;
  }

  catchUp(now: number, perMinute: number, stores: readonly RealmStore[]): number {
    if (perMinute <= 0) return 0;
    const intervalMs = 60_000 / perMinute;
    const due = Math.floor((now - this.since) / intervalMs);
    let done = 0;
    while (this.applied < due && done < MAX_CATCH_UP) {
      const i = this.applied++;
      const at = Math.min(now, this.since + (i + 1) * intervalMs);
      for (const store of stores) this.changeOne(store, i, at);
      done++;
    }
    if (this.applied < due) this.applied = due; // skipped beyond the cap
    return done;
  }

  private changeOne(store: RealmStore, i: number, at: number): void {
    const rng = rngFor(this.seed, store.realmId, 'drift', this.epoch, i);
    const kind = DRIFT_KINDS[Math.floor(rng() * DRIFT_KINDS.length)];
    if (!kind) return;
    // Only records generated on earlier days can change (their new version must be newer).
    const existing = store.plan(kind).idsThrough(dayIndexOf(at) - 1);
    if (existing < 1) return;
    const id = 1 + Math.floor(rng() * existing);
    store.touch(kind, id, { at });
  }
}
