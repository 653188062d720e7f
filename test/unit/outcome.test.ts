import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DelayedError } from 'bullmq';
import { outcomeOf, windowOutcome } from '../../src/model/errors/index.js';
import { networkFailure } from '../../src/qbo/network-failure.js';
import {
  QboAuthorizationError,
  QboCdcTooOldError,
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
  TokenRequestRefusedError,
  TokenUrlError,
  UndecryptableTokenError,
} from '../../src/qbo/auth/token-errors.js';
import {
  RateLimiterError,
  RateLimiterUnavailableError,
} from '../../src/qbo/rate-limit/rate-limiter-error.js';
import { TokenDecryptError } from '../../src/qbo/auth/token-crypto.js';
import { JobReleasedError } from '../../src/backfill/window/job-release.js';
import { AttemptSupersededError } from '../../src/backfill/window/window-stop.js';
import { WaitingForStoreError } from '../../src/backfill/window/window-job.js';
import { LeaseLostError } from '../../src/backfill/state/index.js';
import { RealmBusyError } from '../../src/sync/sync-cycle.js';
import { SyncLeaseLostError } from '../../src/sync/sync-state.js';
import { importSrcModules } from '../helpers/src-modules.js';

const attempt = { runId: 'r', entity: 'invoices', day: '2026-01-01', lease: 1 };
const cycle = { realmId: '1', cycleId: 'c', lease: 'l' };

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
    ['a CDC changedSince too old', new QboCdcTooOldError('HTTP 400'), 'fail-window'],
    ['403 3100/3201', new QboAuthorizationError('HTTP 403'), 'halt-run'],
    ['an API URL that can never work', new QboConfigurationError('bad URL'), 'halt-run'],
    ['invalid_grant', new InvalidGrantError('1'), 'halt-run'],
    ['no refresh token', new MissingRefreshTokenError('1'), 'halt-run'],
    ['invalid_client', new InvalidClientError('1', 401), 'halt-run'],
    ['an undecryptable stored token', new UndecryptableTokenError('1', new TokenDecryptError()), 'halt-run'],
    ['a token URL that can never work', new TokenUrlError('ENOTFOUND'), 'halt-run'],
    ['a token endpoint 5xx', new TokenRefreshError('HTTP 502', 502), 'retry-window'],
    ['a token endpoint 4xx', new TokenRequestRefusedError('HTTP 403', 403), 'fail-window'],
    ['Redis unreachable for the limiter', new RateLimiterUnavailableError('x'), 'retry-window'],
    ['the limiter closed', new RateLimiterError('CLOSED', 'x'), 'retry-window'],
    ['a slot held too long', new RateLimiterError('EXPIRED', 'x'), 'retry-window'],
    ['shutdown', new JobReleasedError(), 'release-job'],
    ['another attempt holds the window', new AttemptSupersededError('x'), 'release-job'],
    ['waiting for a store', new WaitingForStoreError('postgres', 1_000), 'release-job'],
    ["a write that found the window's lease taken", new LeaseLostError(attempt, 'page 1'), 'release-job'],
    ['a sync cycle whose realm is busy', new RealmBusyError('1', 'c0'), 'release-job'],
    ["a sync write that found the realm's lease taken", new SyncLeaseLostError(cycle), 'release-job'],
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

  it('an outcome is chosen by class only: a field or a name that says one is not read', () => {
    for (const err of [
      new Error('x'),
      { outcome: 'halt-run' },
      Object.assign(new Error('x'), { outcome: 'halt-run', name: 'InvalidGrantError' }),
    ]) {
      assert.equal(outcomeOf(err), undefined);
      assert.equal(windowOutcome(err), 'retry-window');
    }
    assert.equal(outcomeOf(new InvalidGrantError('1')), 'halt-run');
  });

  it("release-job errors are BullMQ's DelayedError, so BullMQ keeps their job without using an attempt", () => {
    for (const [, err, outcome] of cases) {
      if (outcome === 'release-job') assert.ok(err instanceof DelayedError, String(err));
    }
  });

  it('errors are named after their class', () => {
    assert.equal(new QboCdcTooOldError('x').name, 'QboCdcTooOldError');
    assert.equal(new InvalidGrantError('1').name, 'InvalidGrantError');
    assert.equal(new RealmBusyError('1', 'c').name, 'RealmBusyError');
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

/**
 * Errors of the layers jobs run through that are not job errors: each is caught and answered
 * where it is thrown, never left to a job's outcome.
 */
const NOT_JOB_ERRORS: Record<string, string> = {
  TokenDecryptError: 'becomes an UndecryptableTokenError where a stored token is read',
  ConnectError: "the OAuth connect flow's answer to the browser",
  RevokeError: 'the auth disconnect command',
  MigrationError: 'the migrate command',
};

describe('every error class of the job layers chooses an outcome', () => {
  it('extends one outcome base, or is known not to be a job error', async () => {
    const found: string[] = [];
    const modules = await importSrcModules(['infra', 'qbo', 'raw', 'backfill', 'sync']);
    for (const [file, module] of modules) {
      for (const value of Object.values(module)) {
        if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
        found.push(value.name);
        if (value.name in NOT_JOB_ERRORS) continue;
        const outcome = outcomeOf(Object.create(value.prototype));
        assert.ok(outcome, `${file}: ${value.name} extends no outcome base (src/model/errors/)`);
      }
    }
    assert.ok(found.includes('QboClientError') && found.includes('RealmBusyError'), found.join());
    for (const name of Object.keys(NOT_JOB_ERRORS)) assert.ok(found.includes(name), `${name} is gone`);
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
