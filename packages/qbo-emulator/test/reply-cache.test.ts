import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEmulator } from '../src/index.js';
import { ReplyCache } from '../src/http/reply-cache.js';
import { accessToken, manualClock, query, start } from './helpers.js';

const Q = 'SELECT * FROM Invoice MAXRESULTS 50';

describe('reply cache (benchmarks only, cacheReplies)', () => {
  let em: RunningEmulator;
  let token: string;
  let realm: string;
  const clock = manualClock();
  before(async () => {
    em = await start({ clock, config: { cacheReplies: true } });
    token = await accessToken(em);
    realm = em.realmIds[0] as string;
  });
  after(() => em.close());

  it('answers a statement asked again with the same bytes, until the data changes', async () => {
    const first = await query(em, token, Q, realm);
    assert.equal(first.status, 200);
    clock.advance(1_000); // the envelope's time moves on: a new answer would differ
    const again = await query(em, token, Q, realm);
    assert.equal(again.text, first.text);
    const other = await query(em, token, 'SELECT * FROM Invoice MAXRESULTS 49', realm);
    assert.notEqual(other.text, first.text);
    assert.notEqual(
      (JSON.parse(other.text) as { time: string }).time,
      (JSON.parse(first.text) as { time: string }).time,
      'an answer made now has a later time',
    );

    const id = (JSON.parse(first.text) as { QueryResponse: { Invoice: { Id: string }[] } }).QueryResponse
      .Invoice[0]?.Id as string;
    em.touchRecord({ realmId: realm, entity: 'Invoice', id });
    const changed = await query(em, token, Q, realm);
    assert.equal(changed.status, 200);
    assert.notEqual(changed.text, first.text);
    assert.equal((await query(em, token, Q, realm)).text, changed.text);
  });

  it('is off by default, and keeps no fault', async () => {
    assert.equal(em.getConfig().cacheReplies, true);
    const cache = new ReplyCache(100);
    const fault = cache.keep('k', 0, { status: 400, contentType: 'application/json', body: '{}' });
    assert.deepEqual(fault.body, Buffer.from('{}'));
    assert.equal(cache.get('k', 0), undefined);
    cache.keep('k', 0, { status: 200, contentType: 'application/json', body: 'x'.repeat(60) });
    assert.equal(cache.get('k', 0)?.body.length, 60);
    assert.equal(cache.get('k', 1), undefined);
    // Over its bytes it starts over.
    cache.keep('j', 0, { status: 200, contentType: 'application/json', body: 'y'.repeat(60) });
    assert.equal(cache.get('k', 0), undefined);
    assert.equal(cache.get('j', 0)?.body.length, 60);
    const plain = await start();
    try {
      assert.equal(plain.getConfig().cacheReplies, undefined);
    } finally {
      await plain.close();
    }
  });
});
