import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessToken, getJson, http, manualClock, postJson, query, start } from './helpers.js';
import type { StatsSnapshot } from '../src/index.js';
import { waitFor } from '../../../test/helpers/cli.js';

const Q = 'SELECT * FROM Customer MAXRESULTS 1';

describe('limits', () => {
  it('enforces a sliding window per realm, counting only accepted requests, and recovers once it slides', async () => {
    const clock = manualClock();
    const em = await start({ clock, config: { requestsPerMinute: 5, windowMs: 1000 } });
    try {
      const token = await accessToken(em);
      const [a, b] = em.realmIds as [string, string];
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await query(em, token, Q, a)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
      // Another realm has its own budget.
      assert.equal((await query(em, token, Q, b)).status, 200);

      const throttled = await query(em, token, Q, a);
      assert.equal(throttled.status, 429);
      assert.match(String(throttled.headers['content-type']), /application\/json/);
      const body = JSON.parse(throttled.text) as {
        Fault: { Error: Record<string, string>[]; type: string };
        time: string;
      };
      assert.deepEqual(body.Fault.Error[0], {
        Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
        Detail: 'The request limit was reached.  Try again later',
        code: '3001',
      });
      assert.equal(body.Fault.type, 'ThrottleExceeded');
      assert.ok(throttled.headers.intuit_tid);

      // The five accepted requests leave the window exactly windowMs after they entered it.
      clock.advance(999);
      assert.equal((await query(em, token, Q, a)).status, 429, 'still inside the window');
      clock.advance(1);
      const after: number[] = [];
      for (let i = 0; i < 6; i++) after.push((await query(em, token, Q, a)).status);
      assert.deepEqual(after, [200, 200, 200, 200, 200, 429], 'refused requests did not use up the window');

      const stats = em.stats();
      assert.deepEqual(stats.realms[a]?.requests, { '200': 10, '429': 6 });
      assert.deepEqual(stats.realms[b]?.requests, { '200': 1 });
      assert.deepEqual(await getJson<StatsSnapshot>(`${em.url}/__emulator/stats`), stats);
      assert.deepEqual(stats.token.requests, { '200': 1 });
    } finally {
      await em.close();
    }
  });

  it('refuses requests over maxConcurrent in flight (latency included) and records the peak', async () => {
    const clock = manualClock();
    const em = await start({ clock, config: { maxConcurrent: 2, latencyMs: 300 } });
    try {
      const token = await accessToken(em);
      const realm = em.realmIds[0] as string;
      // The clock stands still: the two admitted requests stay in their latency until it moves.
      const results = Array.from({ length: 5 }, () => query(em, token, Q, realm));
      await clock.untilSleeping(2);
      await waitFor(
        () => Promise.resolve(em.stats().realms[realm]?.requests['429'] === 3 ? true : undefined),
        10_000,
        'three refusals while two are in flight',
        10,
      );
      assert.equal(em.stats().realms[realm]?.maxConcurrentSeen, 2);
      clock.advance(299);
      assert.equal(clock.sleeping, 2, 'still in their latency');
      clock.advance(1);
      const statuses = (await Promise.all(results)).map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
      // Once they are done, there is room again.
      const next = query(em, token, Q, realm);
      await clock.untilSleeping(1);
      clock.advance(300);
      assert.equal((await next).status, 200);

      const reset = await postJson(`${em.url}/__emulator/stats/reset`, {});
      assert.equal(reset.status, 200);
      assert.deepEqual(em.stats().realms[realm], { requests: {}, maxConcurrentSeen: 0 });
    } finally {
      await em.close();
    }
  });

  it("answers 429 with QBO's XML body when xml429 is set", async () => {
    const em = await start({ config: { requestsPerMinute: 1, xml429: true } });
    try {
      const token = await accessToken(em);
      assert.equal((await query(em, token, Q)).status, 200);
      const res = await query(em, token, Q);
      assert.equal(res.status, 429);
      assert.match(String(res.headers['content-type']), /application\/xml/);
      assert.match(
        res.text,
        /<IntuitResponse [^>]*><Fault type="ThrottleExceeded"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429<\/Message><Detail>The request limit was reached\. {2}Try again later<\/Detail><\/Error><\/Fault><\/IntuitResponse>$/,
      );
      em.setConfig({ xml429: false });
      assert.match((await query(em, token, Q)).text, /^\{"Fault"/);
    } finally {
      await em.close();
    }
  });

  it("applies latency as a range and not to the emulator's own routes", async () => {
    const clock = manualClock();
    const em = await start({ clock, config: { latencyMs: [150, 250] } });
    try {
      const token = await accessToken(em);
      const answer = query(em, token, Q);
      await clock.untilSleeping(1);
      // The emulator's own routes answer while the clock stands still: no latency there.
      assert.equal((await http(`${em.url}/__emulator/config`)).status, 200);
      clock.advance(149);
      assert.equal(clock.sleeping, 1, 'not answered before 150 ms');
      clock.advance(101);
      assert.equal(clock.sleeping, 0, 'answered by 250 ms');
      assert.equal((await answer).status, 200);
    } finally {
      await em.close();
    }
  });
});
