/**
 * How many records of one entity each day holds, and which ids they get. Only the counts are
 * computed up front (one number per day); ids are then consecutive: day d owns ids
 * `firstId(d) .. firstId(d) + count(d) - 1`, so they are unique per realm, deterministic, and any
 * id maps back to its day by binary search without generating anything.
 *
 * A thousand realms hold one plan per entity each: the plan keeps only the running total of ids
 * (a day's count is the difference of two), in the narrowest array that holds the entity's total.
 */
import { hashSeed, hashSeeds, mulberry32, poisson } from '../prng.js';
import { DATA_DAYS, PINNED_DAYS, monthIndexOf } from './calendar.js';
import type { Volume } from './profiles.js';

export interface DayPlanOptions {
  /** Exactly one record in all (CompanyInfo, Preferences). */
  singleton?: boolean;
  /** Minimum records on the first day (reference targets). */
  firstDayMin?: number;
}

export class DayPlan {
  /** prefix[d] = number of ids on days before d; prefix[DATA_DAYS] = total. */
  private readonly prefix: Uint16Array | Uint32Array;

  constructor(
    streamKey: readonly (string | number)[],
    volume: Volume,
    pinnedMin: number,
    options: DayPlanOptions = {},
  ) {
    const counts = new Uint32Array(DATA_DAYS);
    if (options.singleton) {
      // One record per company, last changed on a day of its own in the first year: it exists
      // whatever the clock's now inside the span (nothing exists after now).
      counts[hashSeed(...streamKey, 'singleton') % Math.min(DATA_DAYS, 366)] = 1;
    } else {
      const monthMeans = new Map<number, number>();
      const countSeed = hashSeeds(...streamKey, 'count');
      for (let day = 0; day < DATA_DAYS; day++) {
        const month = monthIndexOf(day);
        let mean = monthMeans.get(month);
        if (mean === undefined) {
          const r = mulberry32(hashSeed(...streamKey, 'month', month))();
          mean = volume.minPerDay + r * (volume.maxPerDay - volume.minPerDay);
          monthMeans.set(month, mean);
        }
        let count = poisson(mulberry32(countSeed(day)), mean);
        if (PINNED_DAYS.has(day)) count = Math.max(count, pinnedMin);
        if (day === 0 && options.firstDayMin !== undefined) count = Math.max(count, options.firstDayMin);
        counts[day] = count;
      }
    }
    let total = 0;
    for (const count of counts) total += count;
    this.prefix = total <= 0xffff ? new Uint16Array(DATA_DAYS + 1) : new Uint32Array(DATA_DAYS + 1);
    for (let day = 0; day < DATA_DAYS; day++)
      this.prefix[day + 1] = (this.prefix[day] as number) + (counts[day] as number);
  }

  /** Records generated for a day (0 outside the span). */
  count(day: number): number {
    return day >= 0 && day < DATA_DAYS ? (this.prefix[day + 1] as number) - (this.prefix[day] as number) : 0;
  }

  /** The first id of a day. */
  firstId(day: number): number {
    return (this.prefix[Math.max(0, Math.min(day, DATA_DAYS))] ?? 0) + 1;
  }

  /** Ids of days up to and including `day` (at least 1 when day >= 0: the first day is pinned). */
  idsThrough(day: number): number {
    return this.prefix[Math.max(0, Math.min(day + 1, DATA_DAYS))] ?? 0;
  }

  /** Total ids of the entity. */
  get total(): number {
    return this.prefix[DATA_DAYS] ?? 0;
  }

  /** The day owning an id, or undefined when no such id was generated. */
  dayOfId(id: number): number | undefined {
    if (!Number.isInteger(id) || id < 1 || id > this.total) return undefined;
    let lo = 0;
    let hi = DATA_DAYS - 1;
    // Largest day whose first id is <= id.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.prefix[mid] ?? 0) + 1 <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
