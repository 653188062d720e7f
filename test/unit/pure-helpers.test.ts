import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/qbo/backoff.js';
import { pageStartPosition } from '../../src/qbo/query.js';
import { parseFrom, parseTo, planDays } from '../../src/backfill/plan/dates.js';
import { UsageError } from '../../src/model/usage-error.js';

describe('backoffDelay', () => {
  const options = { baseMs: 1_000, capMs: 30_000 };

  it('lies in [ceiling/2, ceiling] where the ceiling is base * 2^(attempt-1)', () => {
    for (const attempt of [1, 2, 3, 4]) {
      const ceiling = 1_000 * 2 ** (attempt - 1);
      assert.equal(
        backoffDelay(attempt, options, () => 0),
        ceiling / 2,
      );
      assert.equal(
        backoffDelay(attempt, options, () => 0.999999),
        Math.round(ceiling / 2 + 0.999999 * (ceiling / 2)),
      );
      const d = backoffDelay(attempt, options);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${attempt}: ${d}`);
    }
  });

  it('doubles from one attempt to the next until the cap', () => {
    const lows = [1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 0));
    assert.deepEqual(lows, [500, 1_000, 2_000, 4_000, 8_000]);
  });

  it('never exceeds the cap, however many attempts', () => {
    for (const attempt of [6, 10, 50, 1_000]) {
      assert.equal(
        backoffDelay(attempt, options, () => 1),
        30_000,
      );
      assert.equal(
        backoffDelay(attempt, options, () => 0),
        15_000,
      );
    }
  });

  it('treats attempt 0 or below as the first retry', () => {
    assert.equal(
      backoffDelay(0, options, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(-3, options, () => 1),
      1_000,
    );
  });
});

describe('pageStartPosition', () => {
  it('starts each page on the previous page’s last row', () => {
    // Pages of 3: rows 1-3, 3-5, 5-7, ...
    assert.deepEqual(
      [0, 1, 2, 3].map((p) => pageStartPosition(p, 3)),
      [1, 3, 5, 7],
    );
    assert.deepEqual(
      [0, 1, 2].map((p) => pageStartPosition(p, 1000)),
      [1, 1000, 1999],
    );
  });

  it('with pages of one row there is no room to overlap', () => {
    assert.deepEqual(
      [0, 1, 2].map((p) => pageStartPosition(p, 1)),
      [1, 2, 3],
    );
  });

  it('with pages of two rows each page brings one new row', () => {
    assert.deepEqual(
      [0, 1, 2].map((p) => pageStartPosition(p, 2)),
      [1, 2, 3],
    );
  });
});

describe('planning days', () => {
  const iso = (d: Date) => d.toISOString();

  it('a date --to includes that whole day', () => {
    assert.equal(iso(parseFrom('2026-01-01')), '2026-01-01T00:00:00.000Z');
    assert.equal(iso(parseTo('2026-01-31')), '2026-02-01T00:00:00.000Z');
    assert.equal(planDays(parseFrom('2026-01-01'), parseTo('2026-01-31')).length, 31);
  });

  it('plans half-open UTC days that tile the range exactly', () => {
    const days = planDays(parseFrom('2026-02-27'), parseTo('2026-03-02'));
    assert.deepEqual(
      days.map((d) => [d.day, iso(d.start), iso(d.end)]),
      [
        ['2026-02-27', '2026-02-27T00:00:00.000Z', '2026-02-28T00:00:00.000Z'],
        ['2026-02-28', '2026-02-28T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
        ['2026-03-01', '2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
        ['2026-03-02', '2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z'],
      ],
    );
    for (let i = 1; i < days.length; i++) assert.equal(iso(days[i - 1]!.end), iso(days[i]!.start));
  });

  it('keeps every day 24 hours across the daylight-saving changes of Pacific and Europe', () => {
    for (const [from, to] of [
      ['2026-03-07', '2026-03-09'], // US spring forward on 2026-03-08
      ['2026-10-24', '2026-10-26'], // EU fall back on 2026-10-25
      ['2026-10-31', '2026-11-02'], // US fall back on 2026-11-01
    ] as const) {
      for (const d of planDays(parseFrom(from), parseTo(to))) {
        assert.equal(d.end.getTime() - d.start.getTime(), 86_400_000, `${d.day}`);
        assert.equal(iso(d.start).slice(11), '00:00:00.000Z');
      }
    }
  });

  it('clips the first and last day to instants given with an offset', () => {
    const days = planDays(parseFrom('2026-01-01T12:00:00Z'), parseTo('2026-01-02T06:00:00-05:00'));
    assert.deepEqual(
      days.map((d) => [d.day, iso(d.start), iso(d.end)]),
      [
        ['2026-01-01', '2026-01-01T12:00:00.000Z', '2026-01-02T00:00:00.000Z'],
        ['2026-01-02', '2026-01-02T00:00:00.000Z', '2026-01-02T11:00:00.000Z'],
      ],
    );
  });

  it('an instant --to is exclusive: midnight ends the range without a day after it', () => {
    const days = planDays(parseFrom('2026-01-01'), parseTo('2026-01-03T00:00:00Z'));
    assert.deepEqual(
      days.map((d) => d.day),
      ['2026-01-01', '2026-01-02'],
    );
  });

  it('refuses an empty or inverted range, impossible dates and instants without an offset', () => {
    assert.throws(() => planDays(parseFrom('2026-01-02'), parseFrom('2026-01-02')), UsageError);
    assert.throws(() => planDays(parseFrom('2026-01-03'), parseTo('2026-01-01')), UsageError);
    assert.throws(() => parseFrom('2026-02-30'), /--from: 2026-02-30 is not a calendar date/);
    assert.throws(() => parseTo('2026-01-01T00:00:00'), UsageError);
  });
});
