import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEmulator } from '../src/index.js';
import { basicAuth, http, manualClock, query, refresh, start } from './helpers.js';

interface TokenBody {
  token_type: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
}

describe('OAuth token endpoint', () => {
  let em: RunningEmulator;
  const clock = manualClock();
  before(async () => {
    em = await start({
      clock,
      config: {
        accessTokenTtlSeconds: 1.2,
        rotateRefreshTokenAfterSeconds: 0,
        refreshTokenGraceSeconds: 1.2,
      },
    });
  });
  after(() => em.close());

  it('rejects wrong client credentials with 401 invalid_client', async () => {
    const res = await refresh(em, em.refreshToken, 'wrong-secret');
    assert.equal(res.status, 401);
    assert.deepEqual(JSON.parse(res.text), { error: 'invalid_client' });
    assert.ok(res.headers.intuit_tid);
    const noAuth = await http(em.tokenUrl, {
      method: 'POST',
      body: `grant_type=refresh_token&refresh_token=${em.refreshToken}`,
    });
    assert.equal(noAuth.status, 401);
  });

  it('rejects an unknown refresh token with 400 invalid_grant', async () => {
    const res = await refresh(em, 'not-a-token');
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.text), {
      error: 'invalid_grant',
      error_description: 'Incorrect or invalid refresh token',
    });
  });

  it('rotates, honours the grace period, then refuses the superseded token; access tokens expire', async () => {
    const first = await refresh(em, em.refreshToken);
    assert.equal(first.status, 200);
    const body = JSON.parse(first.text) as TokenBody;
    assert.equal(body.token_type, 'bearer');
    assert.equal(body.expires_in, 1);
    assert.equal(body.x_refresh_token_expires_in, 8726400);
    assert.notEqual(
      body.refresh_token,
      em.refreshToken,
      'rotateRefreshTokenAfterSeconds 0 rotates every time',
    );
    assert.ok(first.headers.intuit_tid);

    // The access token works for every realm of the emulator.
    for (const realm of em.realmIds) {
      const ok = await query(em, body.access_token, 'SELECT * FROM Invoice MAXRESULTS 1', realm);
      assert.equal(ok.status, 200);
    }
    // Within grace the superseded token still works and hands back the newest one.
    const again = await refresh(em, em.refreshToken);
    assert.equal(again.status, 200);
    assert.equal((JSON.parse(again.text) as TokenBody).refresh_token, body.refresh_token);

    // Lifetime and grace are 1.2 s of the emulator's clock, to the millisecond.
    clock.advance(1199);
    assert.equal((await query(em, body.access_token, 'SELECT COUNT(*) FROM Invoice')).status, 200);
    clock.advance(1);
    const expired = await query(em, body.access_token, 'SELECT COUNT(*) FROM Invoice');
    assert.equal(expired.status, 401);
    const fault = JSON.parse(expired.text) as {
      Fault: { Error: { Message: string; code: string }[]; type: string };
      time: string;
    };
    assert.equal(fault.Fault.type, 'AUTHENTICATION');
    assert.equal(fault.Fault.Error[0]?.code, '3200');
    assert.equal(
      fault.Fault.Error[0]?.Message,
      'message=AuthenticationFailed; errorCode=003200; statusCode=401',
    );
    assert.ok(fault.time);

    const lastOfGrace = await refresh(em, em.refreshToken);
    assert.equal((JSON.parse(lastOfGrace.text) as TokenBody).refresh_token, body.refresh_token);
    clock.advance(1);
    const late = await refresh(em, em.refreshToken);
    assert.equal(late.status, 400);
    assert.equal((JSON.parse(late.text) as { error: string }).error, 'invalid_grant');
    // The newest token is fine and rotates again.
    const next = await refresh(em, body.refresh_token);
    assert.equal(next.status, 200);
    const nextBody = JSON.parse(next.text) as TokenBody;
    assert.notEqual(nextBody.refresh_token, body.refresh_token);
    assert.equal((await query(em, nextBody.access_token, 'SELECT COUNT(*) FROM Item')).status, 200);
  });

  it('keeps the refresh token until it is older than rotateRefreshTokenAfterSeconds', async () => {
    const clock2 = manualClock();
    const em2 = await start({
      clock: clock2,
      refreshToken: 'my-token',
      config: { rotateRefreshTokenAfterSeconds: 0.5 },
    });
    try {
      const a = JSON.parse((await refresh(em2, 'my-token')).text) as TokenBody;
      assert.equal(a.refresh_token, 'my-token');
      assert.equal(a.expires_in, 3600);
      clock2.advance(500);
      assert.equal(
        (JSON.parse((await refresh(em2, 'my-token')).text) as TokenBody).refresh_token,
        'my-token',
      );
      clock2.advance(1);
      const b = JSON.parse((await refresh(em2, 'my-token')).text) as TokenBody;
      assert.notEqual(b.refresh_token, 'my-token');
      assert.equal(b.x_refresh_token_expires_in, 8726400);
    } finally {
      await em2.close();
    }
  });

  it('refuses API calls without or with a bad bearer token, and other grant types', async () => {
    const none = await http(
      `${em.url}/v3/company/${em.realmIds[0]}/query?query=${encodeURIComponent('SELECT * FROM Invoice')}`,
    );
    assert.equal(none.status, 401);
    assert.match(none.text, /"code":"3200"/);
    assert.equal((await query(em, 'bogus', 'SELECT * FROM Invoice')).status, 401);
    const grant = await http(em.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basicAuth(em.clientId, em.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=authorization_code&code=x',
    });
    assert.equal(grant.status, 400);
    assert.equal(em.stats().token.requests['401'], 2);
  });
});
