import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fairPriority, MAX_JOB_PRIORITY } from '../../src/producer/job-options.js';
import { expectedWaitMs } from '../../src/workers/rate-limit/expected-wait.js';
import { pacingIntervalMs } from '../../src/workers/rate-limit/pacing.js';

describe('fair priorities', () => {
  it("give a realm's k-th window priority 1 + k, capped at BullMQ's maximum", () => {
    assert.equal(fairPriority(0), 1);
    assert.equal(fairPriority(41), 42);
    assert.equal(MAX_JOB_PRIORITY, 2 ** 21 - 1);
    assert.equal(fairPriority(5_000_000), MAX_JOB_PRIORITY);
  });
});

describe('expected wait for a realm', () => {
  const limits = { maxConcurrent: 10, minTimeMs: 121 };
  it('is the time until the next free start while slots are free', () => {
    assert.equal(expectedWaitMs({ nextRequest: 10_500, running: 3 }, limits, 10_000), 500);
    assert.equal(expectedWaitMs({ nextRequest: 9_000, running: 3 }, limits, 10_000), 0);
    assert.equal(expectedWaitMs({ nextRequest: undefined, running: 0 }, limits, 10_000), 0);
  });
  it('is at least the time to start every slot again when all are taken', () => {
    assert.equal(expectedWaitMs({ nextRequest: 10_100, running: 10 }, limits, 10_000), 1_210);
    assert.equal(expectedWaitMs({ nextRequest: 12_000, running: 10 }, limits, 10_000), 2_000);
  });
});

describe('pacing', () => {
  it('spreads the allowance over the window', () => {
    assert.equal(pacingIntervalMs(60_000, 480), 126);
    assert.equal(pacingIntervalMs(60_000, 500), 121);
    assert.equal(pacingIntervalMs(12_000, 100, 0), 120);
    assert.equal(pacingIntervalMs(12_000, 100, 250), 123);
  });
});
