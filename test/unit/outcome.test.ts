import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasOutcome, windowOutcome } from '../../src/model/outcome.js';
import { networkFailure } from '../../src/qbo/network-failure.js';
import {
  QboAuthorizationError,
  QboClientError,
  QboConfigurationError,
  QboNetworkError,
  QboServerError,
  QboThrottledError,
  QboUnauthorizedError,
} from '../../src/qbo/qbo-errors.js';
import {
  InvalidClientError,
  InvalidGrantError,
  MissingRefreshTokenError,
  TokenRefreshError,
  UndecryptableTokenError,
} from '../../src/qbo/auth/token-errors.js';
import { RateLimiterError } from '../../src/qbo/rate-limit/rate-limiter-error.js';
import { TokenDecryptError } from '../../src/qbo/auth/token-crypto.js';
import { JobReleasedError } from '../../src/backfill/window/job-release.js';

describe('what the window does after an error', () => {
  const cases: [string, unknown, string][] = [
    ['a 429 whose waits ran out', new QboThrottledError('HTTP 429'), 'retry-window'],
    ['a 5xx whose attempts ran out', new QboServerError('HTTP 503'), 'retry-window'],
    [
      'a dropped connection whose attempts ran out',
      new QboNetworkError('network error: ECONNRESET'),
      'retry-window',
    ],
    ['a second 401 after a refresh', new QboUnauthorizedError('HTTP 401'), 'retry-window'],
    ['a query QBO refuses', new QboClientError('HTTP 400'), 'fail-window'],
    ['403 3100/3201', new QboAuthorizationError('HTTP 403'), 'halt-run'],
    ['an API URL that can never work', new QboConfigurationError('bad URL'), 'halt-run'],
    ['invalid_grant', new InvalidGrantError('1'), 'halt-run'],
    ['no refresh token', new MissingRefreshTokenError('1'), 'halt-run'],
    ['invalid_client', new InvalidClientError('1', 401), 'halt-run'],
    ['an undecryptable stored token', new UndecryptableTokenError('1', new TokenDecryptError()), 'halt-run'],
    ['a token endpoint 5xx', new TokenRefreshError('HTTP 502', 'retry-window', 502), 'retry-window'],
    ['a token endpoint 4xx', new TokenRefreshError('HTTP 403', 'fail-window', 403), 'fail-window'],
    ['Redis unreachable for the limiter', new RateLimiterError('UNAVAILABLE', 'x'), 'retry-window'],
    ['the limiter closed', new RateLimiterError('CLOSED', 'x'), 'retry-window'],
    ['a slot held too long', new RateLimiterError('EXPIRED', 'x'), 'retry-window'],
    ['shutdown', new JobReleasedError(), 'release-job'],
    [
      'a database error',
      Object.assign(new Error('connection terminated'), { code: '57P01' }),
      'retry-window',
    ],
    ['something thrown that is not an Error', 'boom', 'retry-window'],
  ];
  for (const [name, err, outcome] of cases) {
    it(`${name}: ${outcome}`, () => assert.equal(windowOutcome(err), outcome));
  }

  it('only errors that carry an outcome have one', () => {
    assert.equal(hasOutcome(new Error('x')), false);
    assert.equal(hasOutcome({ outcome: 'halt-run' }), false);
    assert.equal(hasOutcome(new InvalidGrantError('1')), true);
  });

  it('token errors keep saying whether another attempt may succeed', () => {
    assert.equal(new TokenRefreshError('x', 'retry-window').retryable, true);
    assert.equal(new InvalidClientError('1', 401).retryable, false);
    assert.ok(new InvalidClientError('1', 401) instanceof TokenRefreshError);
  });

  it('halt-run messages tell the operator what to fix', () => {
    assert.equal(
      new InvalidClientError('42', 401).message,
      "token refresh for realm 42 failed: HTTP 401 (invalid_client): QBO rejected the app's credentials; check QBO_CLIENT_ID and QBO_CLIENT_SECRET",
    );
    assert.equal(
      new UndecryptableTokenError('42', new TokenDecryptError()).message,
      'stored tokens of realm 42 cannot be decrypted (stored tokens cannot be decrypted with this TOKEN_ENCRYPTION_KEY): ' +
        'set TOKEN_ENCRYPTION_KEY to the key they were stored with, or store a new refresh token with: qbo-backfill auth set --realm 42',
    );
  });
});

describe('network failures', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it('blips are transient', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'EPIPE']) {
      assert.equal(networkFailure(err(code)), 'transient', code);
    }
    assert.equal(networkFailure(new Error('socket hang up')), 'transient');
  });
  it('a malformed URL, another protocol or a host that does not exist are configuration', () => {
    for (const code of ['ERR_INVALID_URL', 'ERR_BAD_REQUEST', 'ENOTFOUND']) {
      assert.equal(networkFailure(err(code)), 'configuration', code);
    }
  });
});
