import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { beginRetryDelayMs } from '../../src/backfill/window/job-release.js';

describe('beginRetryDelayMs: a window not begun waits longer at each take its realm had no room', () => {
  it('starts at the base, doubles each take, and stops at the most', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 50].map((taken) => beginRetryDelayMs(taken, 1_000, 16_000)),
      [1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000, 16_000],
    );
  });
  it('takes a job BullMQ has not counted yet as its first take', () => {
    assert.equal(beginRetryDelayMs(undefined, 1_000, 16_000), 1_000);
    assert.equal(beginRetryDelayMs(0, 1_000, 16_000), 1_000);
  });
});
