/**
 * Whole days a query can count from the day index instead of generating them. QBO answers a
 * `COUNT(*)` over years, or a page deep into them, in milliseconds; generating every record of the
 * range to answer one took the emulator seconds (and blocked its event loop, so requests sent
 * evenly arrived in bursts). A day's matching records can be known without generating the day
 * when the query filters on nothing but `MetaData.LastUpdatedTime` ranges and `Active`, the day
 * lies wholly inside those ranges and wholly before now: then its count is the plan's, less the
 * records generated deleted or inactive (the index), less those changed while serving (their
 * current versions are counted apart, as everywhere).
 */
import type { Condition } from './ast.js';
import { compileCondition, resolveField, type Predicate } from './compile.js';
import { DAY_MS, utcDate } from '../pacific-time.js';
import { DATA_DAYS, dayIndexOf, dayStartMs } from '../data/calendar.js';
import type { EntityKind } from '../data/entity-kind.js';
import type { EmRecord } from '../data/record.js';
import type { IndexedMatch } from '../data/realm-generator.js';
import type { RealmStore } from '../data/realm-store.js';

/** What the index needs to count a query's whole days. */
export interface DayScope {
  readonly match: IndexedMatch;
  /** Whether every instant of the day passes the query's time conditions. */
  covers(day: number): boolean;
}

const TIME_ORDERINGS = new Set(['<', '<=', '>', '>=']);

/** A record with only the values the index tells apart, to evaluate a condition on. */
function probe(lastUpdated: number, active: boolean): EmRecord {
  return { id: 0, lastUpdated, created: lastUpdated, active, deleted: false, payload: {} };
}

/**
 * The scope of a query's conditions, or undefined when one of them needs the records themselves
 * (a field other than the LastUpdatedTime range and Active, or a time `=`, `IN`, `LIKE`).
 */
export function queryScope(kind: EntityKind, where: readonly Condition[]): DayScope | undefined {
  const time: Predicate[] = [];
  const active: Predicate[] = [];
  for (const c of where) {
    const field = resolveField(kind, c.field).name;
    if (field === 'MetaData.LastUpdatedTime' && TIME_ORDERINGS.has(c.op))
      time.push(compileCondition(kind, c));
    else if (field === 'Active' && c.op !== 'like') active.push(compileCondition(kind, c));
    else return undefined;
  }
  // Without an Active condition QBO returns only active name-list records (transactions all are).
  const named = active.length > 0;
  const match = {
    active: active.every((p) => p(probe(0, true))),
    inactive: named && active.every((p) => p(probe(0, false))),
  };
  // Time conditions are monotonic in the instant: true at a day's first and last second, true all day.
  const covers = (day: number) => {
    const first = probe(dayStartMs(day), true);
    const last = probe(dayStartMs(day) + DAY_MS - 1000, true);
    return time.every((p) => p(first) && p(last));
  };
  return { match, covers };
}

/** The scope of every record, active or not, last updated in [from, to): the truth's. */
export function rangeScope(from: number, to: number): DayScope {
  return {
    match: { active: true, inactive: true },
    covers: (day) => dayStartMs(day) >= from && dayStartMs(day) + DAY_MS <= to,
  };
}

/**
 * Counts of a day's current generated records in scope (what `store.currentDay` would hold and the
 * scope match), from the index: undefined for a day that must be scanned, because it is not wholly
 * in scope or not wholly past.
 */
export function indexedDayCounter(
  store: RealmStore,
  kind: EntityKind,
  scope: DayScope,
): (day: number) => number | undefined {
  const plan = store.plan(kind);
  let changedByDay: Map<number, number> | undefined;
  // Changed records hide their generated versions from their days: count those that matched.
  const changedOn = (day: number) => {
    if (!changedByDay) {
      changedByDay = new Map();
      for (const id of store.changed(kind).keys()) {
        const generatedOn = plan.dayOfId(id);
        if (generatedOn === undefined || !store.generated.matchesAsGenerated(kind, id, scope.match)) continue;
        changedByDay.set(generatedOn, (changedByDay.get(generatedOn) ?? 0) + 1);
      }
    }
    return changedByDay.get(day) ?? 0;
  };
  return (day) => {
    if (!store.pastDay(day) || !scope.covers(day)) return undefined;
    const generated = store.generated.matchesOnDay(kind, day, scope.match);
    return generated === 0 ? 0 : generated - changedOn(day);
  };
}

/**
 * The truth's counts: records active or not, not deleted, last updated in [from, to), by UTC date,
 * whole days taken from the index.
 */
export function truthByDay(
  store: RealmStore,
  kind: EntityKind,
  from: number,
  to: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (date: string, n: number) => {
    if (n > 0) counts.set(date, (counts.get(date) ?? 0) + n);
  };
  const inRange = (r: EmRecord) => !r.deleted && r.lastUpdated >= from && r.lastUpdated < to;
  const indexed = indexedDayCounter(store, kind, rangeScope(from, to));
  const last = Math.min(DATA_DAYS - 1, dayIndexOf(to - 1));
  for (let day = Math.max(0, dayIndexOf(from)); day <= last; day++) {
    const date = utcDate(dayStartMs(day));
    const known = indexed(day);
    if (known !== undefined) add(date, known);
    else add(date, store.currentDay(kind, day).filter(inRange).length);
  }
  for (const r of store.changed(kind).values()) if (inRange(r)) add(utcDate(r.lastUpdated), 1);
  return counts;
}
