import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMULATOR_DEFAULTS, startEmulator } from '../src/index.js';
import { accessToken, manualClock, queryUrl, start } from './helpers.js';
import { within } from '../../../test/helpers/within.js';

describe('emulator lifecycle', () => {
  it('closes at once with keep-alive connections and requests in flight, and close is idempotent', async () => {
    // The clock never moves: the request in flight would wait out its latency forever.
    const clock = manualClock();
    const em = await start({ clock, config: { latencyMs: 5_000 } });
    const token = await accessToken(em);
    // fetch keeps its connection alive; one request is still in its latency.
    const pending = fetch(queryUrl(em, em.realmIds[0] as string, 'SELECT * FROM Item'), {
      headers: { authorization: `Bearer ${token}` },
    }).then(
      (r) => r.status,
      () => 'cut',
    );
    await clock.untilSleeping(1);
    await within(Promise.all([em.close(), em.close()]), 10_000, 'close with a request in its latency');
    await em.close();
    assert.equal(clock.sleeping, 0, 'the latency was cut short');
    assert.equal(await pending, 'cut');
    await assert.rejects(fetch(`${em.url}/__emulator/health`));
  });

  it('uses the documented defaults and refuses bad options', async () => {
    const em = await startEmulator({ port: 0 });
    try {
      assert.deepEqual(em.realmIds, [...EMULATOR_DEFAULTS.realmIds]);
      assert.equal(em.clientId, EMULATOR_DEFAULTS.clientId);
      assert.equal(em.clientSecret, EMULATOR_DEFAULTS.clientSecret);
      assert.equal(em.refreshToken, EMULATOR_DEFAULTS.refreshToken);
      assert.equal(em.tokenUrl, `${em.url}${EMULATOR_DEFAULTS.tokenPath}`);
      assert.match(em.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.throws(() => em.setConfig({ dropRate: -1 }), /dropRate/);
    } finally {
      await em.close();
    }
    await assert.rejects(startEmulator({ port: 0, config: { windowMs: 0 } }), /windowMs/);
    await assert.rejects(startEmulator({ port: 0, realmIds: [] }), /realmIds/);
  });
});
