/**
 * Least-recently-used ledgers (one per realm, both bases), shared by every realm of the emulator and
 * bounded by the numbers they hold, like the day cache: a thousand realms never hold a thousand
 * ledgers, and a ledger evicted is folded again on its next report.
 */
import type { RealmStore } from '../data/realm-store.js';
import { RealmLedger } from './realm-ledger.js';

export const LEDGER_CACHE_DEFAULTS = Object.freeze({
  /**
   * Numbers (8 bytes each) the cached ledgers hold in all: a large company's ledger is about three
   * million (its accounts by day on two bases, its customers and vendors by month), a sandbox's
   * about half a million.
   * @defaultValue 16000000
   */
  maxCells: 16_000_000,
});

export class LedgerCache {
  private readonly ledgers = new Map<string, RealmLedger>();

  constructor(private readonly maxCells: number = LEDGER_CACHE_DEFAULTS.maxCells) {}

  /** The realm's ledger, its accounts read as of `now`. */
  get(store: RealmStore, now: number): RealmLedger {
    const key = store.realmId;
    let ledger = this.ledgers.get(key);
    if (ledger) {
      this.ledgers.delete(key);
      ledger.seeAccountsAsOf(now);
    } else ledger = new RealmLedger(store, now);
    this.ledgers.set(key, ledger);
    let held = 0;
    for (const l of this.ledgers.values()) held += l.cells;
    for (const [oldKey, old] of this.ledgers) {
      if (held <= this.maxCells || oldKey === key) break;
      this.ledgers.delete(oldKey);
      held -= old.cells;
    }
    return ledger;
  }
}
