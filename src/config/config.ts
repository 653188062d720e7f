import { ConfigError, deepFreeze, flag, int, oneOf, read, timeZone, url, type Env } from './config-values.js';
import { redisCluster, type RedisCluster } from './redis-cluster.js';
import { encryptionKey, redirectUri, webhookVerifierToken } from './qbo-credentials.js';
import {
  EMULATOR_DEVELOPMENT_VALUES,
  QBO_ENVIRONMENT_NAMES,
  QBO_ENVIRONMENTS,
  REALM_ID_PATTERN,
  type QboEnvironmentName,
} from './qbo-environments.js';

export { ConfigError, type Env } from './config-values.js';
export type { RedisCluster, RedisNode } from './redis-cluster.js';
export { encryptionKey, MIN_ENCRYPTION_KEY_LENGTH } from './qbo-credentials.js';

/** Which QBO the product talks to. `emulator` points every URL and credential at the built-in emulator. */
export type QboEnvironment = QboEnvironmentName;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every setting's default, declared once; docs/configuration.md documents the same values. */
export const CONFIG_DEFAULTS = Object.freeze({
  /** PostgreSQL destination. @defaultValue `postgres://postgres@127.0.0.1:5432/postgres` */
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  /** Redis for BullMQ and the shared rate limiter. @defaultValue `redis://127.0.0.1:6379` */
  redisUrl: 'redis://127.0.0.1:6379',
  /** BullMQ (and limiter) key prefix. @defaultValue `qbo` */
  queuePrefix: 'qbo',
  /** Which QBO. @defaultValue `sandbox` */
  qboEnvironment: 'sandbox',
  /** Per-realm request budget per minute shared by every worker (QBO allows 500). @defaultValue 480 */
  requestsPerMinute: 480,
  /** Per-realm requests in flight across the cluster (QBO's limit). @defaultValue 10 */
  maxConcurrent: 10,
  /** Attempts of one QBO request on 5xx, timeouts, drops and truncation; 429 waits are not attempts. @defaultValue 5 */
  qboRequestAttempts: 5,
  /** Attempts of one window job. @defaultValue 3 */
  windowAttempts: 3,
  /** Base of the window jobs' exponential backoff, in ms. @defaultValue 15000 */
  windowBackoffMs: 15_000,
  /** The app's monthly read quota at Intuit, for forecasts and status. @defaultValue 500000 */
  monthlyReadQuota: 500_000,
  /** Second time zone shown beside UTC. @defaultValue `America/Guayaquil` */
  displayTimezone: 'America/Guayaquil',
  /** pino level. @defaultValue `info` */
  logLevel: 'info',
  /**
   * Human-readable log lines (true) or JSON (false). @defaultValue undefined: human-readable when
   * the log goes to a terminal, JSON otherwise (files, pipes, log collectors)
   */
  logPretty: undefined as boolean | undefined,
});

/** How the product logs; the emulator command needs only this much of the configuration. */
export interface LogConfig {
  /** See {@link CONFIG_DEFAULTS.logLevel}. */
  readonly logLevel: LogLevel;
  /** `LOG_PRETTY=1` or `0`; see {@link CONFIG_DEFAULTS.logPretty}. */
  readonly logPretty: boolean | undefined;
}

/** The product's whole configuration, read once from the environment at start and frozen. Defaults: {@link CONFIG_DEFAULTS}. */
export interface Config extends LogConfig {
  readonly databaseUrl: string;
  /**
   * `DATABASE_DIRECT_URL`, or `databaseUrl` when unset: PostgreSQL itself, for what needs a
   * session (migrations and their advisory lock). When it differs from `databaseUrl`, that one may
   * be a pooler in transaction mode (see {@link databasePooled}).
   */
  readonly databaseDirectUrl: string;
  readonly redisUrl: string;
  /** `REDIS_CLUSTER_NODES`: when set, every Redis client is a cluster client and `redisUrl` is unused. */
  readonly redisCluster: RedisCluster | undefined;
  readonly queuePrefix: string;
  readonly qbo: {
    readonly environment: QboEnvironment;
    /** API base, e.g. `https://quickbooks.api.intuit.com`; default from the environment. */
    readonly baseUrl: string;
    /** OAuth token endpoint; default from the environment. */
    readonly tokenUrl: string;
    /** OAuth authorize page (Intuit's, or the emulator's beside its API). */
    readonly authorizeUrl: string;
    /** OAuth token revocation endpoint (Intuit's, or the emulator's beside its API). */
    readonly revokeUrl: string;
    /** `QBO_REDIRECT_URI`: the redirect registered in the Intuit app; undefined: `auth connect` uses its own loopback one. */
    readonly redirectUri: string | undefined;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    /** Company used when a command gets no `--realm`. */
    readonly realmId: string | undefined;
    /** Initial refresh token; the token store holds the newest one after first use. */
    readonly refreshToken: string | undefined;
    /** `QBO_REQUEST_ATTEMPTS`. */
    readonly requestAttempts: number;
    /** `QBO_MONTHLY_READ_QUOTA`. */
    readonly monthlyReadQuota: number;
    /** `QBO_WEBHOOK_VERIFIER_TOKEN` (secret): signs Intuit's webhooks; undefined: `/webhooks/intuit` answers 404. */
    readonly webhookVerifierToken: string | undefined;
  };
  /** 32-byte AES-256-GCM key derived from `TOKEN_ENCRYPTION_KEY`; undefined when not set. */
  readonly tokenEncryptionKey: Buffer | undefined;
  readonly requestsPerMinute: number;
  readonly maxConcurrent: number;
  /** `WINDOW_ATTEMPTS` and `WINDOW_BACKOFF_MS`: BullMQ retries of one window job. */
  readonly windowJobs: { readonly attempts: number; readonly backoffMs: number };
  readonly dashboard: { readonly user: string | undefined; readonly password: string | undefined };
  readonly displayTimezone: string;
}

/**
 * Whether `DATABASE_URL` may be a pooler in transaction mode (PgBouncer before 1.21), which keeps
 * no named prepared statement from one transaction to the next: true when a separate
 * `DATABASE_DIRECT_URL` is set, which is how a deployment says so.
 */
export function databasePooled(config: Pick<Config, 'databaseUrl' | 'databaseDirectUrl'>): boolean {
  return config.databaseDirectUrl !== config.databaseUrl;
}

/** Options of {@link parseConfig} for commands whose own defaults differ. */
export interface ParseOptions {
  /** The log level when `LOG_LEVEL` is unset (the demo prints its own summary and logs only warnings). */
  defaultLogLevel?: LogLevel;
}

/** Reads `LOG_LEVEL` and `LOG_PRETTY` only, so that a command that needs nothing else is not stopped by other bad values. */
export function parseLogConfig(env: Env, options: ParseOptions = {}): LogConfig {
  return {
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      options.defaultLogLevel ?? CONFIG_DEFAULTS.logLevel,
      LOG_LEVELS,
      `expected one of ${LOG_LEVELS.join(', ')}`,
    ),
    logPretty:
      read(env, 'LOG_PRETTY') === undefined ? CONFIG_DEFAULTS.logPretty : flag(env, 'LOG_PRETTY', false),
  };
}

/** A value that only opens the emulator must never reach real QBO: it would fail, or worse, be logged there. */
function refuseDevelopmentValue(value: string | undefined, development: string, variable: string): void {
  if (value === development) {
    throw new ConfigError(
      variable,
      "expected a value of your own: this is the emulator's public development value (set QBO_ENVIRONMENT=emulator to use it)",
    );
  }
}

function qboSettings(env: Env) {
  const environment =
    QBO_ENVIRONMENTS[
      oneOf(
        env,
        'QBO_ENVIRONMENT',
        CONFIG_DEFAULTS.qboEnvironment,
        QBO_ENVIRONMENT_NAMES,
        'expected sandbox, production or emulator',
      )
    ];
  const { defaults } = environment;
  const baseUrl = url(env, 'QBO_BASE_URL', environment.baseUrl, ['http:', 'https:']).replace(/\/+$/, '');
  const tokenUrl = url(env, 'QBO_TOKEN_URL', environment.tokenUrl(baseUrl), ['http:', 'https:']);
  const authorizeUrl = environment.authorizeUrl(baseUrl);
  const revokeUrl = environment.revokeUrl(baseUrl);
  const clientId = read(env, 'QBO_CLIENT_ID') ?? defaults.clientId;
  const clientSecret = read(env, 'QBO_CLIENT_SECRET') ?? defaults.clientSecret;
  const realmId = read(env, 'QBO_REALM_ID') ?? defaults.realmId;
  if (realmId !== undefined && !REALM_ID_PATTERN.test(realmId)) {
    throw new ConfigError('QBO_REALM_ID', 'expected a numeric company (realm) id');
  }
  const refreshToken = read(env, 'QBO_REFRESH_TOKEN') ?? defaults.refreshToken;
  const rawKey = read(env, 'TOKEN_ENCRYPTION_KEY') ?? defaults.encryptionKey;
  if (environment.refusesDevelopmentValues) {
    const dev = EMULATOR_DEVELOPMENT_VALUES;
    refuseDevelopmentValue(clientId, dev.clientId, 'QBO_CLIENT_ID');
    refuseDevelopmentValue(clientSecret, dev.clientSecret, 'QBO_CLIENT_SECRET');
    refuseDevelopmentValue(refreshToken, dev.refreshToken, 'QBO_REFRESH_TOKEN');
    refuseDevelopmentValue(rawKey, dev.encryptionKey, 'TOKEN_ENCRYPTION_KEY');
  }
  return {
    qbo: {
      environment: environment.name,
      baseUrl,
      tokenUrl,
      authorizeUrl,
      revokeUrl,
      redirectUri: redirectUri(env, environment.name),
      clientId,
      clientSecret,
      realmId,
      refreshToken,
      requestAttempts: int(env, 'QBO_REQUEST_ATTEMPTS', CONFIG_DEFAULTS.qboRequestAttempts, 1, 100),
      monthlyReadQuota: int(
        env,
        'QBO_MONTHLY_READ_QUOTA',
        CONFIG_DEFAULTS.monthlyReadQuota,
        1,
        1_000_000_000,
      ),
      webhookVerifierToken: webhookVerifierToken(env),
    },
    tokenEncryptionKey: encryptionKey(rawKey),
  };
}

/** Parses and validates the environment. Throws {@link ConfigError} on the first bad value. */
export function parseConfig(env: Env, options: ParseOptions = {}): Config {
  const databaseUrl = url(env, 'DATABASE_URL', CONFIG_DEFAULTS.databaseUrl, ['postgres:', 'postgresql:']);
  const databaseDirectUrl =
    read(env, 'DATABASE_DIRECT_URL') === undefined
      ? databaseUrl
      : url(env, 'DATABASE_DIRECT_URL', databaseUrl, ['postgres:', 'postgresql:']);
  const redisUrl = url(env, 'REDIS_URL', CONFIG_DEFAULTS.redisUrl, ['redis:', 'rediss:']);
  const queuePrefix = read(env, 'QUEUE_PREFIX') ?? CONFIG_DEFAULTS.queuePrefix;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(queuePrefix)) {
    throw new ConfigError('QUEUE_PREFIX', 'expected 1 to 64 letters, digits, dots, dashes or underscores');
  }
  const { qbo, tokenEncryptionKey } = qboSettings(env);
  const log = parseLogConfig(env, options);

  const config: Config = {
    databaseUrl,
    databaseDirectUrl,
    redisUrl,
    redisCluster: redisCluster(env),
    queuePrefix,
    qbo,
    tokenEncryptionKey,
    requestsPerMinute: int(env, 'QBO_REQUESTS_PER_MINUTE', CONFIG_DEFAULTS.requestsPerMinute, 1, 100_000),
    maxConcurrent: int(env, 'QBO_MAX_CONCURRENT', CONFIG_DEFAULTS.maxConcurrent, 1, 100),
    windowJobs: {
      attempts: int(env, 'WINDOW_ATTEMPTS', CONFIG_DEFAULTS.windowAttempts, 1, 100),
      backoffMs: int(env, 'WINDOW_BACKOFF_MS', CONFIG_DEFAULTS.windowBackoffMs, 0, 86_400_000),
    },
    dashboard: { user: read(env, 'DASHBOARD_USER'), password: read(env, 'DASHBOARD_PASSWORD') },
    displayTimezone: timeZone(env, 'DISPLAY_TIMEZONE', CONFIG_DEFAULTS.displayTimezone),
    ...log,
  };
  return deepFreeze(config);
}

/** Whether `QBO_REFRESH_TOKEN` may bootstrap the token store of `realmId` (see the environment table). */
export function refreshTokenOpensRealm(config: Config, realmId: string): boolean {
  if (config.qbo.refreshToken === undefined) return false;
  return (
    QBO_ENVIRONMENTS[config.qbo.environment].refreshTokenOpensEveryRealm || realmId === config.qbo.realmId
  );
}

/** Settings QBO_ENVIRONMENT=emulator fills in: missing, they are what stops a first try. */
const EMULATOR_FILLS = new Set([
  'QBO_CLIENT_ID',
  'QBO_CLIENT_SECRET',
  'QBO_REFRESH_TOKEN',
  'QBO_REALM_ID',
  'TOKEN_ENCRYPTION_KEY',
]);

/**
 * Throws a {@link ConfigError} when a value the command needs is absent. A missing QBO
 * credential also says how to try the product without one: against the built-in emulator.
 */
export function requireValue<T>(value: T | undefined, variable: string, expected: string): T {
  if (value !== undefined) return value;
  throw new ConfigError(
    variable,
    EMULATOR_FILLS.has(variable)
      ? `${expected}; to try the product without an Intuit app, set QBO_ENVIRONMENT=emulator (and run qbo-backfill emulator)`
      : expected,
  );
}
