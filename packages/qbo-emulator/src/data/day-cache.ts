/**
 * Least-recently-used cache of generated days, bounded by the number of records it holds, so the
 * `large` profile (over a million invoices) never sits in memory at once.
 */
import type { EmRecord } from './record.js';

export class DayCache {
  private readonly days = new Map<string, EmRecord[]>();
  private held = 0;

  constructor(private readonly maxRecords: number) {}

  /** Records held. */
  get size(): number {
    return this.held;
  }

  has(key: string): boolean {
    return this.days.has(key);
  }

  getOrCreate(key: string, create: () => EmRecord[]): EmRecord[] {
    const hit = this.days.get(key);
    if (hit) {
      this.days.delete(key);
      this.days.set(key, hit);
      return hit;
    }
    const records = create();
    this.days.set(key, records);
    this.held += records.length;
    for (const [oldKey, old] of this.days) {
      if (this.held <= this.maxRecords || oldKey === key) break;
      this.days.delete(oldKey);
      this.held -= old.length;
    }
    return records;
  }
}
