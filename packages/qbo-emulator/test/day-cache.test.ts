import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DayCache } from '../src/data/day-cache.js';
import type { EmRecord } from '../src/data/record.js';

const day = (n: number): EmRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    id: i,
    lastUpdated: 0,
    created: 0,
    active: true,
    deleted: false,
    payload: {},
  }));

/** A cache of `maxRecords`, and a reader that generates days of 10 records, counting them. */
function daysOfTen(maxRecords: number) {
  const cache = new DayCache(maxRecords);
  let count = 0;
  const get = (key: string) =>
    cache.getOrCreate(key, () => {
      count++;
      return day(10);
    });
  return { cache, get, generated: () => count };
}

describe('DayCache', () => {
  it('holds at most its bound, and generates a day again only once it was dropped', () => {
    const { cache, get, generated } = daysOfTen(100);
    for (let i = 0; i < 50; i++) {
      get(`d${i}`);
      assert.ok(cache.size <= 100, `${cache.size} records held`);
    }
    assert.equal(generated(), 50);
    // The newest days are still there, the same arrays.
    assert.equal(get('d49'), get('d49'));
    assert.equal(generated(), 50);
    // The first ones were dropped.
    get('d0');
    assert.equal(generated(), 51);
  });

  it('keeps a day read again while it was in the older half', () => {
    const { cache, get, generated } = daysOfTen(100);
    for (let i = 0; i < 6; i++) get(`d${i}`); // d0..d4 fill the young half; d5 makes them old
    get('d0'); // found among the old: moved back to the young
    for (let i = 6; i < 10; i++) get(`d${i}`); // d9 turns the young over: d1..d4 are dropped
    get('d0');
    assert.equal(generated(), 10);
    assert.ok(cache.has('d0'));
    assert.equal(cache.has('d1'), false);
  });
});
