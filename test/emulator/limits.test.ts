import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessToken, getJson, http, postJson, query, sleep, start } from './helpers.js';
import type { StatsSnapshot } from '../../src/emulator/index.js';

const Q = 'SELECT * FROM Customer MAXRESULTS 1';

describe('limits', () => {
  it('enforces a sliding window per realm, counting only accepted requests, and recovers once it slides', async () => {
    const em = await start({ config: { requestsPerMinute: 5, windowMs: 1000 } });
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

      await sleep(1100);
      const after: number[] = [];
      for (let i = 0; i < 6; i++) after.push((await query(em, token, Q, a)).status);
      assert.deepEqual(after, [200, 200, 200, 200, 200, 429], 'refused requests did not use up the window');

      const stats = em.stats();
      assert.deepEqual(stats.realms[a]?.requests, { '200': 10, '429': 5 });
      assert.deepEqual(stats.realms[b]?.requests, { '200': 1 });
      assert.deepEqual(await getJson<StatsSnapshot>(`${em.url}/__emulator/stats`), stats);
      assert.deepEqual(stats.token.requests, { '200': 1 });
    } finally {
      await em.close();
    }
  });

  it('refuses requests over maxConcurrent in flight (latency included) and records the peak', async () => {
    const em = await start({ config: { maxConcurrent: 2, latencyMs: 300 } });
    try {
      const token = await accessToken(em);
      const realm = em.realmIds[0] as string;
      const results = await Promise.all(Array.from({ length: 5 }, () => query(em, token, Q, realm)));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 429, 429, 429]);
      assert.equal(em.stats().realms[realm]?.maxConcurrentSeen, 2);
      // Once they are done, there is room again.
      assert.equal((await query(em, token, Q, realm)).status, 200);

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
    const em = await start({ config: { latencyMs: [150, 250] } });
    try {
      const token = await accessToken(em);
      const t0 = Date.now();
      assert.equal((await query(em, token, Q)).status, 200);
      const took = Date.now() - t0;
      assert.ok(took >= 145, `took ${took} ms`);
      const t1 = Date.now();
      await http(`${em.url}/__emulator/config`);
      assert.ok(Date.now() - t1 < 140);
    } finally {
      await em.close();
    }
  });
});
