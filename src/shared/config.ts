import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { EMULATOR_DEFAULTS } from '../emulator/defaults.js';

/** Which QBO the product talks to. `emulator` points every URL and credential at the built-in emulator. */
export type QboEnvironment = 'sandbox' | 'production' | 'emulator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The product's whole configuration, read once from the environment at start and frozen. */
export interface Config {
  /** PostgreSQL destination. Default `postgres://postgres@127.0.0.1:5432/postgres`. */
  readonly databaseUrl: string;
  /** Redis for BullMQ and the shared rate limiter. Default `redis://127.0.0.1:6379`. */
  readonly redisUrl: string;
  /** BullMQ (and limiter) key prefix. Default `qbo`. */
  readonly queuePrefix: string;
  readonly qbo: {
    /** Default `sandbox`. */
    readonly environment: QboEnvironment;
    /** API base, e.g. `https://quickbooks.api.intuit.com`; default from the environment. */
    readonly baseUrl: string;
    /** OAuth token endpoint; default from the environment. */
    readonly tokenUrl: string;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    /** Company used when a command gets no `--realm`. */
    readonly realmId: string | undefined;
    /** Initial refresh token; the token store holds the newest one after first use. */
    readonly refreshToken: string | undefined;
  };
  /** 32-byte AES-256-GCM key derived from `TOKEN_ENCRYPTION_KEY`; undefined when not set. */
  readonly tokenEncryptionKey: Buffer | undefined;
  /** Per-realm request budget per minute shared by every worker. Default 480 (QBO allows 500). */
  readonly requestsPerMinute: number;
  /** Per-realm requests in flight across the cluster. Default 10 (QBO's limit). */
  readonly maxConcurrent: number;
  readonly dashboard: { readonly user: string | undefined; readonly password: string | undefined };
  /** Second time zone shown beside UTC. Default `America/Guayaquil`. */
  readonly displayTimezone: string;
  /** Default `info`. */
  readonly logLevel: LogLevel;
}

/** A configuration value is missing or malformed. The message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    expected: string,
  ) {
    super(`${variable}: ${expected}`);
  }
}

const BASE_URLS: Record<Exclude<QboEnvironment, 'emulator'>, string> = {
  sandbox: 'https://sandbox-quickbooks.api.intuit.com',
  production: 'https://quickbooks.api.intuit.com',
};
const INTUIT_TOKEN_URL = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';

/** Minimum length of `TOKEN_ENCRYPTION_KEY`: 32 characters carry at least 128 bits even as hex. */
export const MIN_ENCRYPTION_KEY_LENGTH = 32;

type Env = Record<string, string | undefined>;

/**
 * Reads a variable, or the content of the file named by `NAME_FILE` (Docker/compose secrets).
 * Setting both is ambiguous and refused rather than silently preferring one.
 */
function read(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '') {
    throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
  }
  if (file !== undefined && file !== '') {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(`${name}_FILE`, `expected a readable file holding the value (cannot read it)`);
    }
  }
  return direct === '' ? undefined : direct;
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const value = read(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `expected a URL starting with ${protocols.join(' or ')}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a URL starting with ${protocols.join(' or ')}`);
  }
  return value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected an integer from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected an integer from ${min} to ${max}`);
  return n;
}

function timeZone(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    throw new ConfigError(name, 'expected an IANA time zone such as America/Guayaquil');
  }
  return value;
}

/** Parses and validates the environment. Throws {@link ConfigError} on the first bad value. */
export function parseConfig(env: Env = process.env): Config {
  const databaseUrl = url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres', [
    'postgres:',
    'postgresql:',
  ]);
  const redisUrl = url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']);
  const queuePrefix = read(env, 'QUEUE_PREFIX') ?? 'qbo';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(queuePrefix)) {
    throw new ConfigError('QUEUE_PREFIX', 'expected 1 to 64 letters, digits, dots, dashes or underscores');
  }

  const environment = (read(env, 'QBO_ENVIRONMENT') ?? 'sandbox') as QboEnvironment;
  if (!['sandbox', 'production', 'emulator'].includes(environment)) {
    throw new ConfigError('QBO_ENVIRONMENT', 'expected sandbox, production or emulator');
  }
  const emulator = environment === 'emulator';
  const baseUrl = url(env, 'QBO_BASE_URL', emulator ? EMULATOR_DEFAULTS.url : BASE_URLS[environment], [
    'http:',
    'https:',
  ]).replace(/\/+$/, '');
  const tokenUrl = url(
    env,
    'QBO_TOKEN_URL',
    emulator ? `${baseUrl}${EMULATOR_DEFAULTS.tokenPath}` : INTUIT_TOKEN_URL,
    ['http:', 'https:'],
  );

  const clientId = read(env, 'QBO_CLIENT_ID') ?? (emulator ? EMULATOR_DEFAULTS.clientId : undefined);
  const clientSecret =
    read(env, 'QBO_CLIENT_SECRET') ?? (emulator ? EMULATOR_DEFAULTS.clientSecret : undefined);
  const realmId = read(env, 'QBO_REALM_ID') ?? (emulator ? EMULATOR_DEFAULTS.realmIds[0] : undefined);
  if (realmId !== undefined && !/^\d{1,32}$/.test(realmId)) {
    throw new ConfigError('QBO_REALM_ID', 'expected a numeric company (realm) id');
  }
  const refreshToken =
    read(env, 'QBO_REFRESH_TOKEN') ?? (emulator ? EMULATOR_DEFAULTS.refreshToken : undefined);

  const rawKey = read(env, 'TOKEN_ENCRYPTION_KEY');
  let tokenEncryptionKey: Buffer | undefined;
  if (rawKey !== undefined) {
    if (rawKey.length < MIN_ENCRYPTION_KEY_LENGTH) {
      throw new ConfigError(
        'TOKEN_ENCRYPTION_KEY',
        `expected at least ${MIN_ENCRYPTION_KEY_LENGTH} characters (e.g. openssl rand -hex 32)`,
      );
    }
    // Any string of enough entropy works; SHA-256 turns it into exactly the 32 bytes AES-256 needs.
    tokenEncryptionKey = createHash('sha256').update(rawKey, 'utf8').digest();
  } else if (emulator) {
    // The emulator's tokens are not secrets; a fixed key lets the demo run with no set-up at all.
    tokenEncryptionKey = createHash('sha256').update(EMULATOR_DEFAULTS.encryptionKey, 'utf8').digest();
  }

  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }

  const config: Config = {
    databaseUrl,
    redisUrl,
    queuePrefix,
    qbo: { environment, baseUrl, tokenUrl, clientId, clientSecret, realmId, refreshToken },
    tokenEncryptionKey,
    requestsPerMinute: int(env, 'QBO_REQUESTS_PER_MINUTE', 480, 1, 100_000),
    maxConcurrent: int(env, 'QBO_MAX_CONCURRENT', 10, 1, 100),
    dashboard: { user: read(env, 'DASHBOARD_USER'), password: read(env, 'DASHBOARD_PASSWORD') },
    displayTimezone: timeZone(env, 'DISPLAY_TIMEZONE', 'America/Guayaquil'),
    logLevel,
  };
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object' && !Buffer.isBuffer(child)) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Throws a {@link ConfigError} when a value the command needs is absent. */
export function requireValue<T>(value: T | undefined, variable: string, expected: string): T {
  if (value === undefined) throw new ConfigError(variable, expected);
  return value;
}
