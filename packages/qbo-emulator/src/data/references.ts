/**
 * References from a generated record to others: only to records that exist by the referring
 * record's day, never to one generated hard-deleted, and with the target's name where QBO puts one
 * (`CustomerRef: {"value":"12","name":"Cool Cars"}`). Everything is drawn from the referring
 * record's own stream, so references are as deterministic as the rest of the record.
 */
import type { Rng } from '../prng.js';
import { findEntityKind } from './entities.js';
import type { AccountType, EntityKind, Ref } from './entity-kind.js';
import { ACCOUNT_CHART, refName } from './list-names.js';

/** What references need from the realm (implemented by RealmStore). */
export interface ReferenceSource {
  readonly seed: number;
  readonly realmId: string;
  generatedDeleted(kind: EntityKind, id: number): boolean;
  /** The customer or vendor a generated transaction was drawn with (its builder's first draw). */
  partyOf(kind: EntityKind, id: number, partyQboName: string): number;
}

/** Tries before giving up on finding a target that was not generated deleted (3% are). */
const LIVE_TRIES = 20;

export class References {
  private readonly accountsByType = new Map<AccountType, number[]>();

  constructor(
    private readonly source: ReferenceSource,
    readonly idsThrough: (qboName: string) => number,
  ) {}

  /** An id of `qboName` that exists by this day and was not generated deleted. */
  pickId(rng: Rng, qboName: string): number | undefined {
    const kind = findEntityKind(qboName);
    const n = this.idsThrough(qboName);
    if (!kind || n < 1) return undefined;
    let id = 1 + Math.floor(rng() * n);
    for (let i = 0; i < LIVE_TRIES && this.source.generatedDeleted(kind, id); i++) id = id > 1 ? id - 1 : n;
    return id;
  }

  ref(rng: Rng, qboName: string): Ref | undefined {
    const id = this.pickId(rng, qboName);
    if (id === undefined) return undefined;
    const name = refName(this.source.seed, this.source.realmId, qboName, id);
    return name === undefined ? { value: String(id) } : { value: String(id), name };
  }

  /**
   * A transaction to link to (a payment's invoice, a bill payment's bill) and the party it
   * belongs to, so that the linking record names the same customer or vendor.
   */
  linked(rng: Rng, qboName: string, partyQboName: string): { txnId: string; partyId: number } | undefined {
    const kind = findEntityKind(qboName);
    const id = this.pickId(rng, qboName);
    if (!kind || id === undefined) return undefined;
    return { txnId: String(id), partyId: this.source.partyOf(kind, id, partyQboName) };
  }

  /** An account of a type; the chart's first accounts cover every type, and exist from day one. */
  accountRef(rng: Rng, type: AccountType): Ref {
    let ids = this.accountsByType.get(type);
    if (!ids) {
      ids = [];
      const n = this.idsThrough('Account');
      for (let id = 1; id <= n; id++) {
        if (ACCOUNT_CHART[(id - 1) % ACCOUNT_CHART.length]?.type === type) ids.push(id);
      }
      // Before the chart is complete (never on generated data), fall back to the type's first account.
      if (ids.length === 0) ids.push(1 + ACCOUNT_CHART.findIndex((a) => a.type === type));
      this.accountsByType.set(type, ids);
    }
    const id = ids[Math.floor(rng() * ids.length)] as number;
    return {
      value: String(id),
      name: refName(this.source.seed, this.source.realmId, 'Account', id),
    };
  }
}
