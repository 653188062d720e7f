import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PART_PAGES, planSplit } from '../../src/backfill/window/window-split-plan.js';

const day = (d: string) => new Date(`${d}T00:00:00Z`);

describe('where a dense window splits', () => {
  it('keeps a window whole below twice a part (PART_PAGES pages), however long its range', () => {
    assert.equal(PART_PAGES, 10);
    assert.equal(planSplit(19_999, 1000, day('2024-01-01'), day('2027-01-01'), day('2024-01-01')), undefined);
    assert.equal(planSplit(1_999, 100, day('2024-01-01'), day('2024-01-10'), day('2024-01-01')), undefined);
  });

  it('splits into whole UTC days, evenly, the first part holding the page already read', () => {
    // 5,000 records over 5 days, pages of 100: parts of at least 1,000 records, so one a day.
    const plan = planSplit(
      5_000,
      100,
      day('2025-03-01'),
      day('2025-03-06'),
      new Date('2025-03-01T03:00:00Z'),
    );
    assert.deepEqual(plan, {
      end: day('2025-03-02'),
      parts: [
        { day: '2025-03-02', start: day('2025-03-02'), end: day('2025-03-03') },
        { day: '2025-03-03', start: day('2025-03-03'), end: day('2025-03-04') },
        { day: '2025-03-04', start: day('2025-03-04'), end: day('2025-03-05') },
        { day: '2025-03-05', start: day('2025-03-05'), end: day('2025-03-06') },
      ],
    });
    // 30,000 over 10 days in pages of 1000: three parts of about 3 days (bounds rounded to days).
    assert.deepEqual(
      planSplit(30_000, 1000, day('2025-03-01'), day('2025-03-11'), day('2025-03-01'))?.parts.map(
        (p) => p.day,
      ),
      ['2025-03-04', '2025-03-08'],
    );
  });

  it("never puts a bound at or before the day of the first page's last record", () => {
    const plan = planSplit(
      5_000,
      100,
      day('2025-03-01'),
      day('2025-03-06'),
      new Date('2025-03-02T23:59:59Z'),
    );
    assert.deepEqual(plan?.end, day('2025-03-03'));
    assert.deepEqual(
      plan?.parts.map((p) => p.day),
      ['2025-03-03', '2025-03-04', '2025-03-05'],
    );
    // The first page reached the last day: nothing is left to split off.
    assert.equal(
      planSplit(5_000, 100, day('2025-03-01'), day('2025-03-06'), new Date('2025-03-05T01:00:00Z')),
      undefined,
    );
  });

  it('splits a range that starts inside a day at day bounds, and a one-day window not at all', () => {
    const plan = planSplit(
      5_000,
      100,
      new Date('2025-03-01T12:00:00Z'),
      day('2025-03-04'),
      new Date('2025-03-01T13:00:00Z'),
    );
    assert.deepEqual(plan?.end, day('2025-03-02'));
    assert.equal(planSplit(50_000, 100, day('2025-03-01'), day('2025-03-02'), day('2025-03-01')), undefined);
  });
});
