/**
 * The budget holds across the cluster: several processes (and several connections in this one)
 * share one realm's limiter, and the request start/end times they report never exceed it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RealmRateLimiter, type RateLimiterOptions } from '../../src/qbo/rate-limit/rate-limiter.js';
import { applyBottleneckRedis7Patch } from '../../src/qbo/rate-limit/bottleneck-redis7.js';
import { pacingIntervalMs } from '../../src/qbo/rate-limit/pacing.js';
import { deletePrefix } from '../helpers/redis.js';
import { LimiterChild } from './children.js';
import { maxConcurrency, maxInSlidingWindow, now, type Interval } from './measure.js';
import { waitFor } from '../helpers/cli.js';
import { limiterOptions, sleep } from './util.js';

// This process makes rate limiters: Bottleneck's Redis 7 fix first, as every process does at start.
applyBottleneckRedis7Patch();

/** A request that has started and holds its slot until released. */
interface Started {
  id: string;
  release(): void;
}

/** Runs `jobs` requests of `durationMs` on an in-process limiter, recording their intervals. */
async function runLocal(
  limiter: RealmRateLimiter,
  realmId: string,
  jobs: number,
  durationMs: number,
): Promise<Interval[]> {
  const intervals: Interval[] = [];
  await Promise.all(
    Array.from({ length: jobs }, () =>
      limiter.schedule(realmId, async () => {
        const start = now();
        await sleep(durationMs);
        intervals.push({ start, end: now() });
      }),
    ),
  );
  return intervals;
}

/** Starts children, has each run `jobs` requests, also runs `localJobs` on two local limiters. */
async function runCluster(
  options: RateLimiterOptions,
  params: { children: number; jobs: number; localJobs: number; durationMs: number },
): Promise<{ intervals: Interval[]; perSource: number[]; elapsedMs: number }> {
  const realmId = '9130350000000001';
  const children: LimiterChild[] = [];
  const locals = [new RealmRateLimiter(options), new RealmRateLimiter(options)];
  try {
    for (let i = 0; i < params.children; i++) children.push(await LimiterChild.start(options));
    const t0 = now();
    for (const child of children) {
      child.send({ type: 'run', tag: 'r', realmId, jobs: params.jobs, durationMs: params.durationMs });
    }
    const local = await Promise.all(
      locals.map((l) => runLocal(l, realmId, params.localJobs, params.durationMs)),
    );
    const childIntervals: Interval[][] = [];
    for (const child of children) {
      const done = await child.next((m) => m.type === 'done', 60_000);
      assert.deepEqual(done.errors, []);
      childIntervals.push(
        child.messages.filter((m) => m.type === 'end').map((m) => ({ start: m.start!, end: m.end! })),
      );
    }
    const all = [...childIntervals, ...local];
    return {
      intervals: all.flat(),
      perSource: all.map((x) => x.length),
      elapsedMs: Math.max(...all.flat().map((i) => i.start)) - t0,
    };
  } finally {
    await Promise.allSettled([...children.map((c) => c.close()), ...locals.map((l) => l.close())]);
  }
}

void describe('cluster-wide budget', () => {
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await deletePrefix(prefix);
  });

  void test('checkers catch a burst (the measurements can fail)', () => {
    // 12 starts 250 ms apart fit a 3 s window; one more 10 ms early makes 13 in one window.
    const starts = Array.from({ length: 12 }, (_, i) => i * 250);
    assert.equal(maxInSlidingWindow(starts, 3000), 12);
    assert.equal(maxInSlidingWindow([...starts, 2990], 3000), 13);
    assert.equal(maxInSlidingWindow([...starts, 3000], 3000), 12);
    assert.equal(maxInSlidingWindow([0, 3000], 3000), 1);
    assert.equal(
      maxConcurrency([
        { start: 0, end: 10 },
        { start: 10, end: 20 },
      ]),
      1,
    );
    assert.equal(
      maxConcurrency([
        { start: 0, end: 11 },
        { start: 10, end: 20 },
        { start: 5, end: 12 },
      ]),
      3,
    );
  });

  void test('3 processes + 2 local connections never put more than the budget in any sliding window', async () => {
    // 12 requests per 3 s window: spacing ceil((3000 + 250) / 12) = 271 ms cluster-wide.
    const options = limiterOptions(
      'rl-pace',
      { requestsPerMinute: 12, maxConcurrent: 10, windowMs: 3000 },
      prefixes,
    );
    const minTime = pacingIntervalMs(3000, 12);
    assert.equal(minTime, 271);
    const { intervals, perSource, elapsedMs } = await runCluster(options, {
      children: 3,
      jobs: 8,
      localJobs: 3,
      durationMs: 20,
    });
    assert.equal(intervals.length, 30);
    assert.deepEqual(perSource, [8, 8, 8, 3, 3]);
    const busiest = maxInSlidingWindow(
      intervals.map((i) => i.start),
      3000,
    );
    console.log(`pacing: 30 requests, busiest 3 s window ${busiest}/12, ${Math.round(elapsedMs)} ms`);
    // Upper bounds only: a slower machine starts requests later, never earlier, so neither can
    // fail for want of speed. No window holds more than the budget...
    assert.ok(busiest <= 12, `a 3 s window held ${busiest} requests (budget 12)`);
    // ...and the pacing is what held them back: unpaced, 30 requests of 20 ms at 10 in flight
    // would all start within a few tens of ms; spaced by 271 ms they take at least 29 * 271 ms
    // (less the lag allowance).
    assert.ok(elapsedMs >= 29 * minTime - 250, `30 starts within ${elapsedMs} ms`);
  });

  void test('3 processes + 2 local connections fill maxConcurrent and never exceed it', async () => {
    const options = limiterOptions('rl-conc', { requestsPerMinute: 200, maxConcurrent: 3 }, prefixes);
    const realmId = '9130350000000001';
    const children: LimiterChild[] = [];
    const locals = [new RealmRateLimiter(options), new RealmRateLimiter(options)];
    try {
      for (let i = 0; i < 3; i++) children.push(await LimiterChild.start(options));
      // Every request holds its slot until the test releases it (explicit ticks, no durations):
      // each tick waits until all 3 slots are taken, checks no 4th request started, releases one.
      const localStarts: Started[] = [];
      const localIntervals: Interval[] = [];
      children.forEach((child, k) => child.send({ type: 'gate', tag: `c${k}`, realmId, jobs: 5 }));
      const localJobs = locals.flatMap((limiter, k) =>
        Array.from({ length: 3 }, (_, i) =>
          limiter.schedule(realmId, async () => {
            const start = now();
            await new Promise<void>((release) => localStarts.push({ id: `l${k}-${i}`, release }));
            localIntervals.push({ start, end: now() });
          }),
        ),
      );
      const started = (): Started[] => [
        ...children.flatMap((child) =>
          child.messages
            .filter((m) => m.type === 'start')
            .map((m) => ({ id: m.id as string, release: () => child.send({ type: 'release', id: m.id }) })),
        ),
        ...localStarts,
      ];
      const released = new Set<string>();
      const total = 3 * 5 + 2 * 3;
      while (released.size < total) {
        const want = Math.min(3, total - released.size);
        const inFlight = await waitFor(
          () => {
            const open = started().filter((j) => !released.has(j.id));
            return Promise.resolve(open.length >= want ? open : undefined);
          },
          30_000,
          `${want} requests in flight after ${released.size} released`,
          5,
        );
        assert.ok(inFlight.length <= 3, `${inFlight.length} requests in flight (max 3)`);
        const next = inFlight[0] as Started;
        released.add(next.id);
        next.release();
      }
      await Promise.all(localJobs);
      const intervals = [...localIntervals];
      for (const child of children) {
        const done = await child.next((m) => m.type === 'done', 30_000);
        assert.deepEqual(done.errors, []);
        intervals.push(
          ...child.messages.filter((m) => m.type === 'end').map((m) => ({ start: m.start!, end: m.end! })),
        );
      }
      assert.equal(intervals.length, total);
      // By the processes' own clocks too: at no instant were more than 3 requests in flight.
      assert.equal(maxConcurrency(intervals), 3);
    } finally {
      await Promise.allSettled([...children.map((c) => c.close()), ...locals.map((l) => l.close())]);
    }
  });
});
