import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forecastBackfill, forecastText } from '../../src/backfill/plan/forecast.js';
import { fairPriority, MAX_JOB_PRIORITY } from '../../src/backfill/plan/job-options.js';
import { monthlyReadsText } from '../../src/backfill/runs/status.js';
import { monthlyReadsKey } from '../../src/qbo/rate-limit/monthly-reads.js';
import { expectedWaitMs } from '../../src/qbo/rate-limit/expected-wait.js';
import { pacingIntervalMs, startLagAllowanceMs } from '../../src/qbo/rate-limit/pacing.js';

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
    assert.equal(pacingIntervalMs(60_000, 500), 121);
    assert.equal(pacingIntervalMs(12_000, 100, 0), 120);
    assert.equal(pacingIntervalMs(12_000, 100, 250), 123);
  });
  it("needs no allowance where the budget's gap to QBO's 500 a minute covers it", () => {
    // 20 requests under QBO's limit at 125 ms each: 2.5 s of slack, ten times the allowance.
    assert.equal(startLagAllowanceMs(60_000, 480), 0);
    assert.equal(pacingIntervalMs(60_000, 480), 125);
    // One request under: 120.24 ms of slack, the rest of the 250 ms still needed.
    assert.equal(startLagAllowanceMs(60_000, 499), 130);
    assert.equal(startLagAllowanceMs(60_000, 500), 250);
    assert.equal(startLagAllowanceMs(60_000, 600), 250);
    // Over another window QBO's limit is not known: the whole allowance.
    assert.equal(startLagAllowanceMs(12_000, 100), 250);
  });
});

describe('quota forecast', () => {
  it('counts one request per window, paced at the realm budget, against the monthly quota', () => {
    const f = forecastBackfill(
      { jobs: 3288, perDayJobs: 3288 },
      { requestsPerMinute: 480, monthlyReadQuota: 500_000 },
    );
    assert.equal(f.requests, 3288);
    assert.equal(f.minutes, (3288 * 125) / 60_000);
    assert.deepEqual(forecastText(f), [
      'needs at least 3288 QBO requests (one per window; each further page of a day adds one, and a COUNT)',
      'takes at least 7 min at the realm budget of 480 requests/min',
      'uses at least 0.66% of the monthly read quota (500000)',
    ]);
  });
  it('gives a range for an adaptive plan: one request per entity up to one per entity and UTC day', () => {
    // Every entity over 2024-2025: 32 windows; day windows would be 20,472 (the figure).
    const f = forecastBackfill(
      { jobs: 32, perDayJobs: 20_472 },
      { requestsPerMinute: 480, monthlyReadQuota: 500_000 },
    );
    assert.deepEqual([f.requests, f.perDayRequests], [32, 20_472]);
    assert.deepEqual(forecastText(f), [
      'needs 32 to 20472 QBO requests (one per entity for data that fits a page, up to one per entity and UTC day; each further page of records adds about one)',
      'takes 1 min to 43 min at the realm budget of 480 requests/min',
      'uses 0.01% to 4.09% of the monthly read quota (500000)',
    ]);
  });
  it('shows the reads of the month per realm and their share of the quota', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    assert.equal(monthlyReadsKey(now), 'reads:2026-11');
    assert.equal(
      monthlyReadsText({ '222': 5_000, '111': 20_000 }, 500_000, now),
      [
        'QBO reads in 2026-11 (UTC): 25000 of the monthly quota 500000 (5.00%)',
        '  realm 111: 20000 (4.00%)',
        '  realm 222: 5000 (1.00%)',
      ].join('\n'),
    );
  });
});
