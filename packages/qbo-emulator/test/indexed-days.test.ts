/**
 * COUNT(*) and deep pages take whole days from the day index instead of generating them: they must
 * answer exactly what generating every day of the range answers. The reference here is that slow
 * path, written out: every day's current records, filtered, sorted, sliced.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATA_DAYS, dayIndexOf } from '../src/data/calendar.js';
import { DayCache } from '../src/data/day-cache.js';
import { findEntityKind } from '../src/data/entities.js';
import { PROFILES } from '../src/data/profiles.js';
import type { EmRecord } from '../src/data/record.js';
import { RealmStore } from '../src/data/realm-store.js';
import { compareValues, compileCondition, resolveField } from '../src/query/compile.js';
import { executeQuery } from '../src/query/execute.js';
import { truthByDay } from '../src/query/indexed-days.js';
import { parseQuery } from '../src/query/parser.js';
import { manualClock } from './helpers.js';

/** The answer of generating every day (or those of `days`): a count, or the ids of the page. */
function reference(store: RealmStore, statement: string, days = [0, DATA_DAYS - 1]): number | number[] {
  const q = parseQuery(statement);
  const kind = findEntityKind(q.entity);
  if (!kind) throw new Error(q.entity);
  const predicates = q.where.map((c) => compileCondition(kind, c));
  if (kind.nameList && !q.where.some((c) => c.field.toLowerCase() === 'active'))
    predicates.push((r) => r.active);
  predicates.push((r) => !r.deleted);
  const all: EmRecord[] = [];
  const keep = (r: EmRecord) => predicates.every((p) => p(r)) && all.push(r);
  for (let day = days[0] as number; day <= (days[1] as number); day++)
    store.currentDay(kind, day).forEach(keep);
  [...store.changed(kind).values()].forEach(keep);
  if (q.select === 'count') return all.length;
  const field = resolveField(kind, q.orderBy?.field ?? 'Id');
  const sign = q.orderBy?.descending ? -1 : 1;
  all.sort((a, b) => sign * compareValues(field.get(a), field.get(b)) || a.id - b.id);
  const start = Math.max(1, q.startPosition ?? 1) - 1;
  return all.slice(start, start + (q.maxResults ?? 100)).map((r) => r.id);
}

function fast(store: RealmStore, statement: string): number | number[] {
  const result = executeQuery(parseQuery(statement), store);
  return result.kind === 'count' ? result.totalCount : result.records.map((r) => r.id);
}

const range = (from: string, to: string, extra = '') =>
  `WHERE MetaData.LastUpdatedTime >= '${from}' AND MetaData.LastUpdatedTime < '${to}'${extra}`;

/** Statements over `entity` that the index answers (and some it must not): counts and pages. */
function statements(entity: string, nameList: boolean, positions: number[]): string[] {
  const wheres = [
    range('2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
    range('2024-03-05T07:13:00Z', '2025-11-20T16:00:00-08:00'),
    "WHERE MetaData.LastUpdatedTime > '2024-02-29T23:59:59Z' AND MetaData.LastUpdatedTime <= '2025-08-01T00:00:00-07:00'",
    '',
    ...(nameList
      ? [
          range('2024-01-01T00:00:00Z', '2026-12-01T00:00:00Z', ' AND Active IN (true, false)'),
          range('2024-06-01T00:00:00Z', '2026-12-01T00:00:00Z', ' AND Active = false'),
          'WHERE Active = true',
        ]
      : [range('2024-01-01T00:00:00Z', '2026-12-01T00:00:00Z', ' AND Id > 3')]),
  ];
  const out: string[] = [];
  for (const where of wheres) {
    out.push(`SELECT COUNT(*) FROM ${entity} ${where}`);
    for (const start of positions) {
      out.push(
        `SELECT * FROM ${entity} ${where} ORDERBY MetaData.LastUpdatedTime STARTPOSITION ${start} MAXRESULTS 7`,
      );
      out.push(
        `SELECT * FROM ${entity} ${where} ORDERBY MetaData.LastUpdatedTime DESC STARTPOSITION ${start} MAXRESULTS 7`,
      );
      out.push(`SELECT * FROM ${entity} ${where} STARTPOSITION ${start} MAXRESULTS 7`);
    }
  }
  return out;
}

describe('the day index', () => {
  it('answers COUNT(*) and pages at any position exactly as generating every day does, with changes made while serving', () => {
    const clock = manualClock();
    const store = new RealmStore(5, '9130357766900001', PROFILES.sandbox, new DayCache(200_000), () =>
      clock.now(),
    );
    const at = (iso: string) => Date.parse(iso);
    const invoice = findEntityKind('Invoice')!;
    const customer = findEntityKind('Customer')!;
    // Changes hide generated versions from their days: moved later, deleted, deactivated, created.
    for (const id of [3, 40, 41, 200, 333]) store.touch(invoice, id, { at: at('2025-02-03T10:00:00Z') });
    for (const id of [7, 90, 301]) store.remove(invoice, id, at('2026-01-05T00:00:00Z'));
    for (const id of [2, 15, 44])
      store.touch(customer, id, { at: at('2024-09-09T09:09:09Z'), active: false });
    store.touch(customer, 16, { at: at('2025-05-05T00:00:00Z') });
    store.create(invoice, at('2026-03-01T00:00:00Z'));
    store.create(customer, at('2024-12-24T12:00:00Z'));

    for (const name of ['Invoice', 'Customer', 'Item', 'Bill', 'Account', 'CompanyInfo']) {
      const kind = findEntityKind(name)!;
      const total = reference(store, `SELECT COUNT(*) FROM ${name}`) as number;
      const positions = [1, 2, Math.floor(total / 3), Math.max(1, total - 3), total + 5];
      for (const statement of statements(name, kind.nameList, positions))
        assert.deepEqual(fast(store, statement), reference(store, statement), statement);
    }
  });

  it('skips whole days of the large profile to a deep page, and counts its days without generating them', () => {
    const cache = new DayCache(200_000);
    const store = new RealmStore(11, '9130357766900002', PROFILES.large, cache);
    const years = range('2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    const twoYears = fast(store, `SELECT COUNT(*) FROM Invoice ${years}`) as number;
    const deep = fast(
      store,
      `SELECT * FROM Invoice ${years} ORDERBY MetaData.LastUpdatedTime STARTPOSITION 600001 MAXRESULTS 1000`,
    );
    // Over 700,000 invoices counted, and a page 600,000 deep read, from at most three days generated.
    assert.ok(twoYears > 700_000, String(twoYears));
    assert.equal((deep as number[]).length, 1000);
    assert.ok(cache.size <= 3 * 1100, String(cache.size));

    const window = range('2025-04-01T00:00:00Z', '2025-04-09T00:00:00Z');
    const count = `SELECT COUNT(*) FROM Invoice ${window}`;
    const days = [
      dayIndexOf(Date.parse('2025-04-01T00:00:00Z')),
      dayIndexOf(Date.parse('2025-04-08T00:00:00Z')),
    ];
    const total = reference(store, count, days) as number;
    assert.equal(fast(store, count), total);
    for (const start of [1, 999, 1000, 1001, 4321, total - 500, total])
      for (const order of ['ORDERBY MetaData.LastUpdatedTime', 'ORDERBY MetaData.LastUpdatedTime DESC', '']) {
        const statement = `SELECT * FROM Invoice ${window} ${order} STARTPOSITION ${start} MAXRESULTS 1000`;
        assert.deepEqual(fast(store, statement), reference(store, statement, days), statement);
      }
  });

  it('gives the truth the same counts by day, from the index or from the records', () => {
    const clock = manualClock();
    const store = new RealmStore(8, '9130357766900003', PROFILES.sandbox, new DayCache(200_000), () =>
      clock.now(),
    );
    const invoice = findEntityKind('Invoice')!;
    store.touch(invoice, 12, { at: Date.parse('2025-01-02T03:04:05Z') });
    store.remove(invoice, 13, Date.parse('2025-01-02T03:04:06Z'));
    for (const name of ['Invoice', 'Customer', 'TaxRate']) {
      const kind = findEntityKind(name)!;
      for (const [from, to] of [
        ['2024-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
        ['2024-05-05T05:05:05Z', '2025-01-02T03:04:06Z'],
      ]) {
        const records = store.inRange(kind, Date.parse(from!), Date.parse(to!)).filter((r) => !r.deleted);
        const byDay = new Map<string, number>();
        for (const r of records) {
          const day = new Date(r.lastUpdated).toISOString().slice(0, 10);
          byDay.set(day, (byDay.get(day) ?? 0) + 1);
        }
        const indexed = truthByDay(store, kind, Date.parse(from!), Date.parse(to!));
        assert.deepEqual(new Map([...indexed].sort()), new Map([...byDay].sort()), `${name} ${from}`);
      }
    }
  });
});
