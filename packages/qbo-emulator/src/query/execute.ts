/**
 * Runs a parsed query against one realm. Generated records live in UTC days, so the executor first
 * narrows the days to scan from the LastUpdatedTime (or Id) conditions, then filters, sorts (ties
 * broken by Id, so paging is deterministic) and slices. When the order is by LastUpdatedTime or Id,
 * whole days sort entirely before or after each other, so the scan stops as soon as the requested
 * page is certain, and starts after the whole days that the day index says come before the page
 * (indexed-days.ts); a COUNT takes whole days from the index too. A bounded buffer keeps memory
 * flat for other orders on the `large` profile.
 */
import type { Query } from './ast.js';
import { compareValues, compileCondition, coerce, resolveField, type Predicate } from './compile.js';
import { parserError, validationError } from './query-error.js';
import { indexedDayCounter, queryScope, type DayScope } from './indexed-days.js';
import { DATA_DAYS, dayIndexOf } from '../data/calendar.js';
import { findEntityKind } from '../data/entities.js';
import type { EntityKind, FieldDef } from '../data/entity-kind.js';
import type { EmRecord } from '../data/record.js';
import type { RealmStore } from '../data/realm-store.js';

/** QBO's page-size rules: 100 by default, 1000 at most. */
export const DEFAULT_MAX_RESULTS = 100;
export const MAX_MAX_RESULTS = 1000;

export type QueryResult =
  | {
      readonly kind: 'rows';
      readonly entity: EntityKind;
      readonly startPosition: number;
      readonly records: EmRecord[];
    }
  | { readonly kind: 'count'; readonly entity: EntityKind; readonly totalCount: number };

interface Plan {
  readonly kind: EntityKind;
  readonly predicates: Predicate[];
  /** Inclusive day range to scan, or undefined when ids are given. */
  readonly firstDay: number;
  readonly lastDay: number;
  readonly ids?: number[];
  /** How the day index counts the query's whole days; undefined when it cannot. */
  readonly scope?: DayScope;
}

export interface ExecuteOptions {
  /** QBO names of the entities that refuse `MetaData.LastUpdatedTime` in WHERE and ORDERBY. */
  readonly unfilterable?: readonly string[];
}

function plan(query: Query, options: ExecuteOptions): Plan {
  const kind = findEntityKind(query.entity);
  if (!kind) throw parserError(`Invalid entity name: ${query.entity}`);
  if (options.unfilterable?.includes(kind.qboName)) {
    const named = [...query.where.map((c) => c.field), ...(query.orderBy ? [query.orderBy.field] : [])];
    const time = named.find((f) => f.toLowerCase() === 'metadata.lastupdatedtime');
    if (time !== undefined)
      throw validationError(`property '${time}' is not queryable for entity ${kind.qboName}`);
  }
  const predicates = query.where.map((c) => compileCondition(kind, c));
  // QBO hides inactive name-list records unless the query itself names Active.
  const mentionsActive = query.where.some((c) => c.field.toLowerCase() === 'active');
  if (kind.nameList && !mentionsActive) predicates.push((r) => r.active);
  predicates.push((r) => !r.deleted);

  let lower = -Infinity;
  let upper = Infinity; // exclusive
  let ids: number[] | undefined;
  for (const c of query.where) {
    const field = resolveField(kind, c.field);
    if (field.name === 'MetaData.LastUpdatedTime') {
      const values =
        c.op === 'in'
          ? c.values.map((v) => coerce(field, v) as number)
          : c.op === 'like'
            ? []
            : [coerce(field, c.value) as number];
      if (values.length === 0) continue;
      const min = Math.min(...values);
      const max = Math.max(...values);
      if (c.op === '>=' || c.op === '>') lower = Math.max(lower, min);
      else if (c.op === '<') upper = Math.min(upper, max);
      else if (c.op === '<=' || c.op === '=' || c.op === 'in') upper = Math.min(upper, max + 1);
      if (c.op === '=' || c.op === 'in') lower = Math.max(lower, min);
    } else if (field.name === 'Id' && (c.op === '=' || c.op === 'in')) {
      const list =
        c.op === 'in' ? c.values.map((v) => coerce(field, v) as number) : [coerce(field, c.value) as number];
      ids = ids ? ids.filter((id) => list.includes(id)) : [...new Set(list)];
    }
  }
  const firstDay = Math.max(0, lower === -Infinity ? 0 : dayIndexOf(lower));
  const lastDay = Math.min(DATA_DAYS - 1, upper === Infinity ? DATA_DAYS - 1 : dayIndexOf(upper - 1));
  return { kind, predicates, firstDay, lastDay, ids, scope: queryScope(kind, query.where) };
}

function matches(predicates: Predicate[], r: EmRecord): boolean {
  for (const p of predicates) if (!p(r)) return false;
  return true;
}

function comparator(field: FieldDef, descending: boolean): (a: EmRecord, b: EmRecord) => number {
  const get = field.get;
  return (a, b) => {
    const c = compareValues(get(a), get(b));
    if (c !== 0) return descending ? -c : c;
    return a.id - b.id; // ties: by Id, whatever the direction, so pages never overlap or skip
  };
}

/** Executes a query; throws {@link QueryError} for invalid ones. */
export function executeQuery(query: Query, store: RealmStore, options: ExecuteOptions = {}): QueryResult {
  if (query.maxResults !== undefined && query.maxResults > MAX_MAX_RESULTS) {
    throw validationError(`value ${query.maxResults} is too large. Max allowed value is ${MAX_MAX_RESULTS}`);
  }
  if (query.maxResults !== undefined && query.maxResults < 1) {
    throw validationError(`value ${query.maxResults} is too small. Min allowed value is 1`);
  }
  if (query.startPosition !== undefined && query.startPosition < 0) {
    throw validationError(`value ${query.startPosition} is too small. Min allowed value is 0`);
  }
  const p = plan(query, options);
  const { kind, predicates } = p;
  const changed = store.changed(kind);

  if (query.select === 'count') {
    let total = 0;
    if (p.ids) {
      for (const id of p.ids) {
        const r = store.byId(kind, id);
        if (r && matches(predicates, r)) total++;
      }
    } else {
      const indexed = p.scope && indexedDayCounter(store, kind, p.scope);
      for (let day = p.firstDay; day <= p.lastDay; day++) {
        const known = indexed?.(day);
        if (known !== undefined) total += known;
        else for (const r of store.currentDay(kind, day)) if (matches(predicates, r)) total++;
      }
      for (const r of changed.values()) if (matches(predicates, r)) total++;
    }
    return { kind: 'count', entity: kind, totalCount: total };
  }

  // STARTPOSITION is 1-based; QBO reads 0 as 1.
  const startPosition = Math.max(1, query.startPosition ?? 1);
  const limit = query.maxResults ?? DEFAULT_MAX_RESULTS;
  const needed = startPosition - 1 + limit;
  const orderField = query.orderBy ? resolveField(kind, query.orderBy.field) : resolveField(kind, 'Id');
  const descending = query.orderBy?.descending ?? false;
  const compare = comparator(orderField, descending);

  let buffer: EmRecord[] = [];
  // Base records of whole days skipped before the scan: they all sort before the page.
  let skipped = 0;
  const keepBounded = () => {
    if (buffer.length > Math.max(2 * needed, 20_000)) {
      buffer.sort(compare);
      buffer.length = needed - skipped;
    }
  };
  if (p.ids) {
    for (const id of p.ids) {
      const r = store.byId(kind, id);
      if (r && matches(predicates, r)) buffer.push(r);
    }
  } else {
    const changedMatches = [...changed.values()].filter((r) => matches(predicates, r));
    // Generated days are disjoint, ordered ranges of LastUpdatedTime and of Id.
    const dayOrdered = orderField.name === 'MetaData.LastUpdatedTime' || orderField.name === 'Id';
    let baseMatches = 0;
    const step = dayOrdered && descending ? -1 : 1;
    const start = step === 1 ? p.firstDay : p.lastDay;
    let day = start;
    if (dayOrdered && p.scope) {
      // Changed records may sort anywhere: only days that leave room for all of them before the
      // page are skipped, so the page's rows are all among the days scanned.
      const indexed = indexedDayCounter(store, kind, p.scope);
      const room = startPosition - 1 - changedMatches.length;
      for (; day >= p.firstDay && day <= p.lastDay; day += step) {
        const known = indexed(day);
        if (known === undefined || skipped + known > room) break;
        skipped += known;
      }
    }
    for (; day >= p.firstDay && day <= p.lastDay; day += step) {
      for (const r of store.currentDay(kind, day)) {
        if (matches(predicates, r)) {
          buffer.push(r);
          baseMatches++;
        }
      }
      keepBounded();
      // Every later day sorts after everything collected: the page is complete.
      if (dayOrdered && skipped + baseMatches >= needed) break;
    }
    // Paging usually continues with the next window: get its day ready meanwhile.
    if (query.startPosition === undefined || query.startPosition <= 1)
      store.prefetch(kind, step === 1 ? Math.min(day, p.lastDay) + 1 : day - 1);
    buffer.push(...changedMatches);
  }
  buffer.sort(compare);
  buffer = buffer.slice(startPosition - 1 - skipped, needed - skipped);
  return { kind: 'rows', entity: kind, startPosition, records: buffer };
}
