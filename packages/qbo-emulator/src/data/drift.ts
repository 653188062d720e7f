/**
 * Source changes while serving: `driftPerMinute` records per realm and minute get a new version
 * (SyncToken + 1, LastUpdatedTime moved to the moment of the change, a visible edit). Changes are
 * paced events (../paced-events.ts): applied whenever someone looks (an API or truth request), at
 * evenly spread moments since the rate was set, so the outcome depends on the emulator's clock and
 * not on timers. Which record changes is drawn from the seed among invoices, customers and items
 * (DRIFT_KINDS); a record already deleted is skipped.
 */
import { PacedRealmChanges } from '../paced-events.js';
import type { Rng } from '../prng.js';
import { dayIndexOf } from './calendar.js';
import { DRIFT_KINDS } from './entities.js';
import type { RealmStore } from './realm-store.js';

export class Drift extends PacedRealmChanges<RealmStore> {
  constructor(seed: number, now: number) {
    super(seed, 'drift', now, driftOne);
  }
}

function driftOne(store: RealmStore, rng: Rng, at: number): void {
  const kind = DRIFT_KINDS[Math.floor(rng() * DRIFT_KINDS.length)];
  if (!kind) return;
  // Only records generated on earlier days can change (their new version must be newer).
  const existing = store.plan(kind).idsThrough(dayIndexOf(at) - 1);
  if (existing < 1) return;
  const id = 1 + Math.floor(rng() * existing);
  store.touch(kind, id, { at });
}
