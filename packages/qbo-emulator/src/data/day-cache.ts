/**
 * Cache of generated days, bounded by the number of records it holds, so the `large` profile (over
 * a million invoices) never sits in memory at once, nor do a thousand companies.
 *
 * Two generations instead of a strict LRU: days go into the young map; once it holds half the bound
 * it becomes the old one and the old one is dropped whole; a day found in the old map moves back to
 * the young. Every operation is O(1). A Map kept in LRU order (delete and set on every hit, evict
 * from the front) left a run of deleted slots at the front that every eviction walked again: a
 * tenth of the emulator's CPU when a thousand companies were read.
 */
import type { EmRecord } from './record.js';

export class DayCache {
  private young = new Map<string, EmRecord[]>();
  private old = new Map<string, EmRecord[]>();
  private youngHeld = 0;
  private oldHeld = 0;

  constructor(private readonly maxRecords: number) {}

  /** Records held. */
  get size(): number {
    return this.youngHeld + this.oldHeld;
  }

  has(key: string): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  getOrCreate(key: string, create: () => EmRecord[]): EmRecord[] {
    const young = this.young.get(key);
    if (young) return young;
    const old = this.old.get(key);
    if (old) {
      this.old.delete(key);
      this.oldHeld -= old.length;
      this.add(key, old);
      return old;
    }
    const records = create();
    this.add(key, records);
    return records;
  }

  private add(key: string, records: EmRecord[]): void {
    if (this.youngHeld > 0 && this.youngHeld + records.length > this.maxRecords / 2) {
      this.old = this.young;
      this.oldHeld = this.youngHeld;
      this.young = new Map();
      this.youngHeld = 0;
    }
    this.young.set(key, records);
    this.youngHeld += records.length;
  }
}
