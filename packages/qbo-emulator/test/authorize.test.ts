import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEmulator } from '../src/index.js';
import { AUTHORIZATION_CODE_LIFETIME_MS, AuthorizationCodes } from '../src/http/authorization-codes.js';
import { basicAuth, http, query, refresh, start, type HttpResult } from './helpers.js';

const REDIRECT = 'http://127.0.0.1:8765/callback';
const SCOPE = 'com.intuit.quickbooks.accounting';

interface TokenBody {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  x_refresh_token_hard_expires_in?: number;
}

describe('OAuth authorization code flow of the emulator', () => {
  let em: RunningEmulator;
  before(async () => {
    em = await start({ seed: 3 });
  });
  after(() => em.close());

  function authorize(params: Record<string, string> = {}): Promise<HttpResult> {
    const url = new URL(em.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: em.clientId,
      response_type: 'code',
      scope: SCOPE,
      redirect_uri: REDIRECT,
      state: 'the-state',
      ...params,
    }).toString();
    return http(url.toString());
  }

  /** The query of the authorize answer's redirect. */
  function redirectQuery(res: HttpResult): URLSearchParams {
    assert.equal(res.status, 302, res.text);
    const location = new URL(res.headers.location as string);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    return location.searchParams;
  }

  function exchange(code: string, redirectUri = REDIRECT, headers: Record<string, string> = {}) {
    return http(em.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basicAuth(em.clientId, em.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
      }).toString(),
    });
  }

  function revoke(token: string, secret = em.clientSecret) {
    return http(em.revokeUrl, {
      method: 'POST',
      headers: { authorization: basicAuth(em.clientId, secret), 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
  }

  it('consents at once: redirects with code, state and the first realm', () => {
    return authorize().then((res) => {
      const q = redirectQuery(res);
      assert.equal(q.get('state'), 'the-state');
      assert.equal(q.get('realmId'), em.realmIds[0]);
      assert.match(q.get('code') ?? '', /^AB11\d{10}[\w-]{27}$/);
      assert.equal([...q.keys()].sort().join(), 'code,realmId,state');
    });
  });

  it('declines when asked, and connects the realm authorizeRealmId names', async () => {
    em.setConfig({ authorizeDecision: 'decline' });
    const declined = redirectQuery(await authorize());
    assert.deepEqual(Object.fromEntries(declined), { error: 'access_denied', state: 'the-state' });
    em.setConfig({ authorizeDecision: 'consent', authorizeRealmId: em.realmIds[1] });
    assert.equal(redirectQuery(await authorize()).get('realmId'), em.realmIds[1]);
    em.setConfig({ authorizeRealmId: 'no-such-realm' });
    assert.equal((await authorize()).status, 400);
    em.setConfig({ authorizeRealmId: em.realmIds[0] });
  });

  it('answers a page, never a redirect, for an unknown client or a malformed redirect_uri', async () => {
    const client = await authorize({ client_id: 'someone-else' });
    assert.equal(client.status, 400);
    assert.match(client.text, /client_id: unknown client/);
    const target = await authorize({ redirect_uri: 'javascript:alert(1)' });
    assert.equal(target.status, 400);
    assert.equal(target.headers.location, undefined);
    assert.equal(
      redirectQuery(await authorize({ response_type: 'token' })).get('error'),
      'unsupported_response_type',
    );
    assert.equal(redirectQuery(await authorize({ scope: 'openid' })).get('error'), 'invalid_scope');
  });

  it('trades a code once, for tokens of that company only, with both expiries when asked', async () => {
    const code = redirectQuery(await authorize()).get('code') as string;
    const first = await exchange(code, REDIRECT, { 'x-include-refresh-token-hard-expires-in': 'true' });
    assert.equal(first.status, 200, first.text);
    const body = JSON.parse(first.text) as TokenBody;
    assert.equal(body.expires_in, 3600);
    assert.equal(body.x_refresh_token_expires_in, 8_726_400);
    assert.equal(body.x_refresh_token_hard_expires_in, 5 * 365 * 86_400);
    assert.match(body.refresh_token, /^RT1-/);

    const again = await exchange(code);
    assert.equal(again.status, 400);
    assert.deepEqual(JSON.parse(again.text), {
      error: 'invalid_grant',
      error_description: 'Authorization code has already been used',
    });
    // The connection opens its company, and no other.
    assert.equal((await query(em, body.access_token, 'SELECT * FROM CompanyInfo')).status, 200);
    const other = await query(em, body.access_token, 'SELECT * FROM CompanyInfo', em.realmIds[1]);
    assert.equal(other.status, 403);
    assert.match(other.text, /"code":"3201"/);
    // Without the header a refresh reports the rolling expiry only, as Intuit does.
    const refreshed = JSON.parse((await refresh(em, body.refresh_token)).text) as TokenBody;
    assert.equal(refreshed.x_refresh_token_hard_expires_in, undefined);
    assert.equal(typeof refreshed.x_refresh_token_expires_in, 'number');
  });

  it('refuses a code sent with another redirect_uri, and spends it', async () => {
    const code = redirectQuery(await authorize()).get('code') as string;
    const wrong = await exchange(code, 'http://127.0.0.1:8765/other');
    assert.equal(wrong.status, 400);
    assert.deepEqual(JSON.parse(wrong.text), {
      error: 'invalid_grant',
      error_description: 'redirect_uri does not match the one of the authorization request',
    });
    assert.equal((await exchange(code)).status, 400);
    assert.equal((await exchange('AB11-made-up')).status, 400);
    const missing = await exchange('');
    assert.equal((JSON.parse(missing.text) as { error: string }).error, 'invalid_request');
  });

  it('revokes a whole connection: its refresh token gets invalid_grant, its access tokens 401', async () => {
    const code = redirectQuery(await authorize()).get('code') as string;
    const body = JSON.parse((await exchange(code)).text) as TokenBody;
    assert.equal((await revoke(body.refresh_token, 'wrong-secret')).status, 401);
    const revoked = await revoke(body.refresh_token);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.text, '');
    assert.equal(
      (JSON.parse((await refresh(em, body.refresh_token)).text) as { error: string }).error,
      'invalid_grant',
    );
    assert.equal((await query(em, body.access_token, 'SELECT * FROM CompanyInfo')).status, 401);
    assert.equal((await revoke('never-issued')).status, 400);
    // The emulator's initial token is another connection: untouched.
    assert.equal((await refresh(em, em.refreshToken)).status, 200);
  });
});

describe('authorization codes', () => {
  const grant = { clientId: 'c', redirectUri: REDIRECT, realmId: '1' };

  it('expire 10 minutes after they were issued', () => {
    const codes = new AuthorizationCodes();
    const t0 = Date.parse('2026-03-01T12:00:00Z');
    const late = codes.issue(grant, t0);
    const inTime = codes.issue(grant, t0);
    assert.equal(AUTHORIZATION_CODE_LIFETIME_MS, 600_000);
    assert.deepEqual(codes.redeem(inTime, 'c', REDIRECT, t0 + 599_999), { ok: true, realmId: '1' });
    assert.deepEqual(codes.redeem(late, 'c', REDIRECT, t0 + 600_000), { ok: false, refusal: 'expired' });
  });

  it('are bound to their client', () => {
    const codes = new AuthorizationCodes();
    const code = codes.issue(grant, 0);
    assert.deepEqual(codes.redeem(code, 'another-client', REDIRECT, 1), {
      ok: false,
      refusal: 'other-client',
    });
    assert.deepEqual(codes.redeem(code, 'c', REDIRECT, 2), { ok: false, refusal: 'used' });
  });
});
