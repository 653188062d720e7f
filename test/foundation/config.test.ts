import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, databasePooled, parseConfig, parseLogConfig } from '../../src/config/config.js';
import {
  ACCOUNTING_SCOPE,
  AUTHORIZE_PATH,
  EMULATOR_DEVELOPMENT_VALUES,
  REVOKE_PATH,
  TOKEN_PATH,
} from '../../src/config/qbo-environments.js';
import { EMULATOR_DEFAULTS } from '@qbo-backfill/emulator';

function expectConfigError(env: Record<string, string>, message: string): void {
  assert.throws(
    () => parseConfig(env),
    (err: unknown) => err instanceof ConfigError && err.message === message,
  );
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = parseConfig({});
    assert.equal(c.databaseUrl, 'postgres://postgres@127.0.0.1:5432/postgres');
    assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(c.queuePrefix, 'qbo');
    assert.equal(c.qbo.environment, 'sandbox');
    assert.equal(c.qbo.baseUrl, 'https://sandbox-quickbooks.api.intuit.com');
    assert.equal(c.qbo.tokenUrl, 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer');
    assert.equal(c.requestsPerMinute, 480);
    assert.equal(c.maxConcurrent, 10);
    assert.equal(c.displayTimezone, 'America/Guayaquil');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.tokenEncryptionKey, undefined);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.qbo));
  });

  it('points everything at the emulator in emulator mode', () => {
    const c = parseConfig({ QBO_ENVIRONMENT: 'emulator' });
    assert.equal(c.qbo.baseUrl, 'http://127.0.0.1:8089');
    assert.equal(c.qbo.tokenUrl, 'http://127.0.0.1:8089/oauth2/v1/tokens/bearer');
    assert.ok(c.qbo.clientId && c.qbo.clientSecret && c.qbo.realmId && c.qbo.refreshToken);
    assert.equal(c.tokenEncryptionKey?.length, 32);
  });

  it('reads secrets from NAME_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qbo-cfg-'));
    const file = path.join(dir, 'secret');
    writeFileSync(file, 'from-a-file-secret\n');
    assert.equal(parseConfig({ QBO_CLIENT_SECRET_FILE: file }).qbo.clientSecret, 'from-a-file-secret');
    expectConfigError(
      { QBO_CLIENT_SECRET_FILE: file, QBO_CLIENT_SECRET: 'x' },
      'QBO_CLIENT_SECRET: set either QBO_CLIENT_SECRET or QBO_CLIENT_SECRET_FILE, not both',
    );
    expectConfigError(
      { TOKEN_ENCRYPTION_KEY_FILE: path.join(dir, 'missing') },
      'TOKEN_ENCRYPTION_KEY_FILE: expected a readable file holding the value (cannot read it)',
    );
  });

  it('rejects malformed values with one line naming the variable', () => {
    expectConfigError(
      { DATABASE_URL: 'nonsense' },
      'DATABASE_URL: expected a URL starting with postgres: or postgresql:',
    );
    expectConfigError({ REDIS_URL: 'http://x' }, 'REDIS_URL: expected a URL starting with redis: or rediss:');
    expectConfigError(
      { TOKEN_ENCRYPTION_KEY: 'short' },
      'TOKEN_ENCRYPTION_KEY: expected at least 32 characters (e.g. openssl rand -hex 32)',
    );
    expectConfigError(
      { QBO_ENVIRONMENT: 'prod' },
      'QBO_ENVIRONMENT: expected sandbox, production or emulator',
    );
    expectConfigError(
      { QBO_REQUESTS_PER_MINUTE: '0' },
      'QBO_REQUESTS_PER_MINUTE: expected an integer from 1 to 100000',
    );
    expectConfigError({ QBO_MAX_CONCURRENT: 'ten' }, 'QBO_MAX_CONCURRENT: expected an integer from 1 to 100');
    expectConfigError(
      { DISPLAY_TIMEZONE: 'Mars/Olympus' },
      'DISPLAY_TIMEZONE: expected an IANA time zone such as America/Guayaquil',
    );
    expectConfigError(
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent',
    );
    expectConfigError(
      { QUEUE_PREFIX: 'a:b' },
      'QUEUE_PREFIX: expected 1 to 64 letters, digits, dots, dashes or underscores',
    );
    expectConfigError({ QBO_REALM_ID: 'abc' }, 'QBO_REALM_ID: expected a numeric company (realm) id');
  });

  it('reads the retry, backoff and quota settings, with their documented defaults', () => {
    const c = parseConfig({});
    assert.equal(c.qbo.requestAttempts, 5);
    assert.deepEqual(c.windowJobs, { attempts: 3, backoffMs: 15_000 });
    assert.equal(c.qbo.monthlyReadQuota, 500_000);
    assert.equal(c.logPretty, undefined);
    const set = parseConfig({
      QBO_REQUEST_ATTEMPTS: '2',
      WINDOW_ATTEMPTS: '7',
      WINDOW_BACKOFF_MS: '250',
      QBO_MONTHLY_READ_QUOTA: '1000',
      LOG_PRETTY: '1',
    });
    assert.equal(set.qbo.requestAttempts, 2);
    assert.deepEqual(set.windowJobs, { attempts: 7, backoffMs: 250 });
    assert.equal(set.qbo.monthlyReadQuota, 1000);
    assert.equal(set.logPretty, true);
    expectConfigError(
      { QBO_REQUEST_ATTEMPTS: '0' },
      'QBO_REQUEST_ATTEMPTS: expected an integer from 1 to 100',
    );
    expectConfigError({ WINDOW_ATTEMPTS: 'x' }, 'WINDOW_ATTEMPTS: expected an integer from 1 to 100');
    expectConfigError(
      { WINDOW_BACKOFF_MS: '-1' },
      'WINDOW_BACKOFF_MS: expected an integer from 0 to 86400000',
    );
    expectConfigError(
      { QBO_MONTHLY_READ_QUOTA: '0' },
      'QBO_MONTHLY_READ_QUOTA: expected an integer from 1 to 1000000000',
    );
    expectConfigError({ LOG_PRETTY: 'yes' }, 'LOG_PRETTY: expected 1 or 0');
  });

  it('reads the webhook verifier token (a secret, also as _FILE), refusing one with whitespace', () => {
    assert.equal(parseConfig({}).qbo.webhookVerifierToken, undefined);
    assert.equal(parseConfig({ QBO_WEBHOOK_VERIFIER_TOKEN: 'abc-123' }).qbo.webhookVerifierToken, 'abc-123');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'qbo-cfg-')), 'verifier');
    writeFileSync(file, 'abc-123\n');
    assert.equal(parseConfig({ QBO_WEBHOOK_VERIFIER_TOKEN_FILE: file }).qbo.webhookVerifierToken, 'abc-123');
    for (const value of ['abc-123 ', 'abc 123', 'abc-123\n']) {
      expectConfigError(
        { QBO_WEBHOOK_VERIFIER_TOKEN: value },
        "QBO_WEBHOOK_VERIFIER_TOKEN: expected the verifier token exactly as the Intuit app's Webhooks page shows it (no spaces or line breaks)",
      );
    }
  });

  it('refuses the emulator development values when talking to real QBO', () => {
    const dev = EMULATOR_DEVELOPMENT_VALUES;
    const suffix =
      "expected a value of your own: this is the emulator's public development value (set QBO_ENVIRONMENT=emulator to use it)";
    for (const environment of ['sandbox', 'production']) {
      expectConfigError(
        { QBO_ENVIRONMENT: environment, QBO_CLIENT_ID: dev.clientId },
        `QBO_CLIENT_ID: ${suffix}`,
      );
      expectConfigError(
        { QBO_ENVIRONMENT: environment, QBO_CLIENT_SECRET: dev.clientSecret },
        `QBO_CLIENT_SECRET: ${suffix}`,
      );
      expectConfigError(
        { QBO_ENVIRONMENT: environment, QBO_REFRESH_TOKEN: dev.refreshToken },
        `QBO_REFRESH_TOKEN: ${suffix}`,
      );
      expectConfigError(
        { QBO_ENVIRONMENT: environment, TOKEN_ENCRYPTION_KEY: dev.encryptionKey },
        `TOKEN_ENCRYPTION_KEY: ${suffix}`,
      );
    }
    // The emulator itself accepts exactly the values the product uses for it by default.
    const c = parseConfig({ QBO_ENVIRONMENT: 'emulator' });
    assert.equal(c.qbo.clientId, EMULATOR_DEFAULTS.clientId);
    assert.equal(c.qbo.clientSecret, EMULATOR_DEFAULTS.clientSecret);
    assert.equal(c.qbo.refreshToken, EMULATOR_DEFAULTS.refreshToken);
    assert.equal(c.qbo.realmId, EMULATOR_DEFAULTS.realmIds[0]);
    // The emulator is a package of its own that imports nothing of the product: it declares the
    // same development values and Intuit's paths itself, and they must not drift apart.
    assert.deepEqual(
      {
        url: EMULATOR_DEFAULTS.url,
        realmIds: EMULATOR_DEFAULTS.realmIds,
        clientId: EMULATOR_DEFAULTS.clientId,
        clientSecret: EMULATOR_DEFAULTS.clientSecret,
        refreshToken: EMULATOR_DEFAULTS.refreshToken,
        encryptionKey: EMULATOR_DEFAULTS.encryptionKey,
      },
      { ...dev },
    );
    assert.deepEqual(
      [EMULATOR_DEFAULTS.tokenPath, EMULATOR_DEFAULTS.authorizePath, EMULATOR_DEFAULTS.revokePath],
      [TOKEN_PATH, AUTHORIZE_PATH, REVOKE_PATH],
    );
    assert.equal(EMULATOR_DEFAULTS.accountingScope, ACCOUNTING_SCOPE);
  });

  it('reads a Redis Cluster (host:port list, or URLs carrying its login and TLS) and a direct database URL', () => {
    const none = parseConfig({});
    assert.equal(none.redisCluster, undefined);
    assert.equal(none.databaseDirectUrl, none.databaseUrl);
    assert.equal(databasePooled(none), false);
    assert.deepEqual(parseConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001' }).redisCluster, {
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    assert.deepEqual(
      parseConfig({ REDIS_CLUSTER_NODES: 'rediss://app:s%40cret@node-a:6380,node-b:6380' }).redisCluster,
      {
        nodes: [
          { host: 'node-a', port: 6380 },
          { host: 'node-b', port: 6380 },
        ],
        username: 'app',
        password: 's@cret',
        tls: true,
      },
    );
    for (const bad of ['node-a', 'node-a:0', 'node-a:7000,', ':7000', 'http://x:1']) {
      expectConfigError(
        { REDIS_CLUSTER_NODES: bad },
        'REDIS_CLUSTER_NODES: expected host:port,host:port,... (or redis:// / rediss:// URLs) naming nodes of a Redis Cluster',
      );
    }
    const pooled = parseConfig({
      DATABASE_URL: 'postgres://app@pgbouncer:6432/qbo',
      DATABASE_DIRECT_URL: 'postgres://app@postgres:5432/qbo',
    });
    assert.equal(pooled.databaseDirectUrl, 'postgres://app@postgres:5432/qbo');
    assert.equal(databasePooled(pooled), true);
    expectConfigError(
      { DATABASE_DIRECT_URL: 'mysql://x' },
      'DATABASE_DIRECT_URL: expected a URL starting with postgres: or postgresql:',
    );
  });

  it('reads only the log settings for commands that need nothing else', () => {
    assert.deepEqual(parseLogConfig({ DATABASE_URL: 'nonsense', LOG_LEVEL: 'warn' }), {
      logLevel: 'warn',
      logPretty: undefined,
    });
    assert.equal(parseLogConfig({}, { defaultLogLevel: 'warn' }).logLevel, 'warn');
  });
});
