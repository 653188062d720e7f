/**
 * A company at work while being served: `activityPerMinute` changes per realm and minute, each one
 * a create, an edit or a delete at that moment, of the entities a real company touches all day
 * (ACTIVITY_KINDS: sales, payments, customers, items, and TimeActivity, which CDC leaves out).
 * Like drift, these are paced events (../paced-events.ts): applied when someone looks, at evenly
 * spread moments, so under a ManualClock the outcome is exact and the same for the same seed.
 *
 * A delete hard-deletes a transaction (it leaves queries; CDC shows a stub) and inactivates a
 * name-list record (QBO's only "delete" for those). Only records that exist by the moment can be
 * edited or deleted; created ones among them.
 */
import { PacedRealmChanges } from '../paced-events.js';
import type { Rng } from '../prng.js';
import { dayIndexOf } from './calendar.js';
import { customerKind } from './customer.js';
import type { EntityKind } from './entity-kind.js';
import { invoiceKind } from './invoice.js';
import { itemKind } from './item.js';
import { timeActivityKind } from './ledger-transactions.js';
import type { RealmStore } from './realm-store.js';
import { paymentKind } from './sales-transactions.js';

export const ACTIVITY_KINDS: readonly EntityKind[] = [
  invoiceKind,
  customerKind,
  itemKind,
  paymentKind,
  timeActivityKind,
];

/** Shares of creates and edits; the rest are deletes. */
const CREATE_SHARE = 0.4;
const EDIT_SHARE = 0.4;

export class Activity extends PacedRealmChanges<RealmStore> {
  constructor(seed: number, now: number) {
    super(seed, 'activity', now, actOnce);
  }
}

function actOnce(store: RealmStore, rng: Rng, at: number): void {
  const kind = ACTIVITY_KINDS[Math.floor(rng() * ACTIVITY_KINDS.length)] as EntityKind;
  const action = rng();
  if (action < CREATE_SHARE) {
    store.create(kind, at);
    return;
  }
  // Generated records of earlier days (so the new version is newer), or ones created since.
  const generated = store.plan(kind).idsThrough(dayIndexOf(at) - 1);
  const created = store.idCount(kind) - store.plan(kind).total;
  const existing = generated + created;
  if (existing < 1) return;
  const pick = Math.floor(rng() * existing);
  const id = pick < generated ? 1 + pick : store.plan(kind).total + 1 + (pick - generated);
  // An unknown, deleted or already inactive record is left alone: the moment passes quietly.
  const current = store.byId(kind, id);
  if (!current || current.deleted) return;
  if (action < CREATE_SHARE + EDIT_SHARE) store.touch(kind, id, { at });
  else if (!kind.nameList || current.active) store.remove(kind, id, at);
}
