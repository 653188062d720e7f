import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEmulator } from '../src/index.js';
import { accessToken, getJson, http, postJson, query, refresh, start } from './helpers.js';

const Q = 'SELECT * FROM Invoice MAXRESULTS 50';

describe('faults and run-time config', () => {
  let em: RunningEmulator;
  let token: string;
  let realm: string;
  before(async () => {
    em = await start();
    token = await accessToken(em);
    realm = em.realmIds[0] as string;
  });
  after(() => em.close());

  it('serves the documented defaults at GET /__emulator/config', async () => {
    assert.deepEqual(await getJson(`${em.url}/__emulator/config`), {
      requestsPerMinute: 500,
      windowMs: 60000,
      maxConcurrent: 10,
      latencyMs: 0,
      serverErrorRate: 0,
      dropRate: 0,
      truncateRate: 0,
      xml429: false,
      accessTokenTtlSeconds: 3600,
      rotateRefreshTokenAfterSeconds: 86400,
      refreshTokenGraceSeconds: 86400,
      driftPerMinute: 0,
      activityPerMinute: 0,
      webhookIntervalMs: 0,
      authorizeDecision: 'consent',
      reportCellLimit: 400000,
      unfilterableEntities: ['CompanyInfo', 'Preferences', 'TaxCode', 'TaxRate'],
    });
  });

  it('validates POST /__emulator/config and returns the new config', async () => {
    for (const bad of [
      { nope: 1 },
      { dropRate: 2 },
      { requestsPerMinute: 1.5 },
      { latencyMs: [50, 10] },
      { xml429: 'yes' },
      [1],
    ]) {
      const res = await postJson(`${em.url}/__emulator/config`, bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.match((JSON.parse(res.text) as { error: string }).error, /./);
    }
    const notJson = await http(`${em.url}/__emulator/config`, { method: 'POST', body: '{oops' });
    assert.equal(notJson.status, 400);
    const ok = await postJson(`${em.url}/__emulator/config`, { latencyMs: [0, 0], maxConcurrent: 20 });
    assert.equal(ok.status, 200);
    const config = JSON.parse(ok.text) as Record<string, unknown>;
    assert.deepEqual(config.latencyMs, [0, 0]);
    assert.equal(config.maxConcurrent, 20);
    assert.deepEqual(em.getConfig().latencyMs, [0, 0]);
    await postJson(`${em.url}/__emulator/config`, { latencyMs: 0, maxConcurrent: 10 });
  });

  it('answers 500/503 with a fault body at serverErrorRate 1, and normally at 0', async () => {
    await postJson(`${em.url}/__emulator/config`, { serverErrorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const res = await query(em, token, Q);
      statuses.add(res.status);
      assert.ok(res.status === 500 || res.status === 503, String(res.status));
      assert.match(
        res.text,
        /^\{"Fault":\{"Error":\[\{"Message":"[^"]+","Detail":"[^"]+","code":"10000"\}\],"type":"SystemFault"\},"time":"[^"]+"\}$/,
      );
      assert.ok(res.headers.intuit_tid);
    }
    assert.deepEqual([...statuses].sort(), [500, 503]);
    // The emulator's own routes and the token endpoint are never faulted.
    assert.equal((await refresh(em, em.refreshToken)).status, 200);
    assert.equal((await http(`${em.url}/__emulator/stats`)).status, 200);
    await postJson(`${em.url}/__emulator/config`, { serverErrorRate: 0 });
    assert.equal((await query(em, token, Q)).status, 200);
  });

  it('cuts the connection without a response at dropRate 1', async () => {
    em.resetStats();
    em.setConfig({ dropRate: 1 });
    const res = await query(em, token, Q);
    assert.equal(res.status, 0);
    assert.match(res.error ?? '', /socket hang up|ECONNRESET/);
    em.setConfig({ dropRate: 0 });
    assert.equal((await query(em, token, Q)).status, 200);
    assert.deepEqual(em.stats().realms[realm]?.requests, { dropped: 1, '200': 1 });
  });

  it('sends a cut JSON body at truncateRate 1', async () => {
    const full = await query(em, token, Q);
    em.setConfig({ truncateRate: 1 });
    const cut = await query(em, token, Q);
    em.setConfig({ truncateRate: 0 });
    assert.equal(cut.status, 200);
    assert.ok(cut.text.length > 0 && cut.text.length < full.text.length);
    assert.equal(cut.text, full.text.slice(0, cut.text.length));
    assert.throws(() => JSON.parse(cut.text) as unknown);
    assert.doesNotThrow(() => JSON.parse(full.text) as unknown);
    assert.equal(JSON.parse((await query(em, token, Q)).text) instanceof Object, true);
  });

  it('stamps every response with an intuit_tid', async () => {
    const responses = [
      await query(em, token, Q),
      await query(em, token, 'SELECT * FROM'),
      await query(em, 'bad', Q),
      await refresh(em, 'bad'),
      await http(`${em.url}/__emulator/config`),
      await http(`${em.url}/nowhere`),
    ];
    const tids = responses.map((r) => r.headers.intuit_tid as string);
    for (const tid of tids) assert.match(tid, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.equal(new Set(tids).size, tids.length);
  });
});
