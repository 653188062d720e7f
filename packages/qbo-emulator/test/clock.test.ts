import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@qbo-backfill/clock';
import { PacedEvents } from '../src/paced-events.js';

describe('ManualClock', () => {
  it('wakes sleeps only when advanced past their end, in order, and at once when aborted', async () => {
    const clock = new ManualClock(1_000);
    const woke: string[] = [];
    const sleep = (name: string, ms: number, signal?: AbortSignal) =>
      clock.sleep(ms, signal).then(() => woke.push(`${name}@${clock.now()}`));
    const aborted = new AbortController();
    const all = Promise.all([
      sleep('b', 20),
      sleep('a', 10),
      sleep('c', 30, aborted.signal),
      sleep('now', 0),
    ]);
    await clock.untilSleeping(3);
    clock.advance(9);
    await Promise.resolve();
    assert.deepEqual(woke, ['now@1000']);
    clock.advance(11);
    aborted.abort();
    await all;
    assert.deepEqual(woke, ['now@1000', 'a@1020', 'b@1020', 'c@1020']);
    assert.equal(clock.sleeping, 0);
    assert.throws(() => clock.advance(-1), /advance: expected a duration >= 0 ms, got -1/);
  });
});

describe('PacedEvents', () => {
  it('applies floor(elapsed / interval) events at their own instants, from each restart', () => {
    const events = new PacedEvents(0);
    const seen: Array<[number, number, number]> = [];
    const apply = (i: number, at: number) => seen.push([events.epoch, i, at]);
    assert.equal(events.catchUp(99, 600, apply), 0, 'one every 100 ms: none due at 99 ms');
    assert.equal(events.catchUp(250, 600, apply), 2);
    assert.equal(events.catchUp(250, 600, apply), 0, 'each event once');
    assert.equal(events.catchUp(1_000, 0, apply), 0, 'a rate of 0 makes none');
    events.restart(1_000);
    assert.equal(events.catchUp(1_300, 600, apply), 3);
    assert.deepEqual(seen, [
      [0, 0, 100],
      [0, 1, 200],
      [1, 0, 1_100],
      [1, 1, 1_200],
      [1, 2, 1_300],
    ]);
    // A huge rate is capped per catch-up; what was over the cap is skipped, not applied later.
    const busy = new PacedEvents(0);
    assert.equal(
      busy.catchUp(60_000, 1_200_000, () => undefined),
      10_000,
    );
    assert.equal(
      busy.catchUp(60_000, 1_200_000, () => undefined),
      0,
    );
  });
});
