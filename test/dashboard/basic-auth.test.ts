import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBasicAuth } from '../../src/dashboard/basic-auth.js';

const header = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

void describe('parseBasicAuth', () => {
  void it('splits at the first colon, so passwords may contain colons', () => {
    assert.deepEqual(parseBasicAuth(header('ops:pa:ss')), { user: 'ops', password: 'pa:ss' });
    assert.deepEqual(parseBasicAuth(header('ops:')), { user: 'ops', password: '' });
  });
  void it('rejects anything that is not Basic credentials', () => {
    assert.equal(parseBasicAuth(undefined), undefined);
    assert.equal(parseBasicAuth('Bearer abc'), undefined);
    assert.equal(parseBasicAuth(header('no-colon')), undefined);
    assert.equal(parseBasicAuth('Basic !!!'), undefined);
  });
});
