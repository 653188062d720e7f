import { findEntityKind } from './data/entities.js';

/**
 * The emulator's run-time knobs: QBO's own limits (on by default, as in production) and the faults
 * that real QBO shows now and then (off by default). Settable at start and through
 * `POST /__emulator/config`. Defaults: {@link DEFAULT_EMULATOR_CONFIG}.
 */
export interface EmulatorConfig {
  /** Accepted API requests per realm within the sliding window of `windowMs`; over it: 429. */
  requestsPerMinute: number;
  /** Length of the sliding window in ms (scale it down to test quickly). */
  windowMs: number;
  /** API requests in flight per realm (latency included); over it: 429. */
  maxConcurrent: number;
  /** Delay added to every API response: a fixed number of ms or `[min, max]` for a uniform spread. */
  latencyMs: number | [number, number];
  /** Fraction of API requests answered 500 or 503 with a fault body. */
  serverErrorRate: number;
  /** Fraction of API requests whose connection is destroyed without any response. */
  dropRate: number;
  /** Fraction of API responses whose body is cut in the middle (headers sent, JSON incomplete). */
  truncateRate: number;
  /** Answer 429s with QBO's XML fault body instead of JSON (seen in the field). */
  xml429: boolean;
  /** Access-token lifetime in seconds (fractions allowed for tests). */
  accessTokenTtlSeconds: number;
  /** A refresh returns a new refresh token when the one used is older than this many seconds (0: always). */
  rotateRefreshTokenAfterSeconds: number;
  /** How long a superseded refresh token still works, in seconds. */
  refreshTokenGraceSeconds: number;
  /** Records per realm and minute whose LastUpdatedTime moves to "now" (and SyncToken +1) while serving. */
  driftPerMinute: number;
  /**
   * Changes per realm and minute made at now while serving: creates, edits and deletes of
   * invoices, customers, items, payments and time activities (seeded; see data/activity.ts).
   */
  activityPerMinute: number;
  /** Where every change made while serving is POSTed as a signed CloudEvents batch. Off (absent) by default. */
  webhookUrl?: string;
  /** The key of the deliveries' `intuit-signature` (the app's verifier token). Needed with `webhookUrl`. */
  webhookVerifierToken?: string;
  /** Changes are aggregated this long before a delivery (Intuit: 1 to 5 minutes; 0: at once, as in the sandbox). */
  webhookIntervalMs: number;
  /**
   * Cells (rows x columns) above which a report is cut: answered 200 with the rows that fit and a
   * last row "Unable to display more data. Please reduce the date range." (Intuit reports a cap of
   * about 400,000 cells).
   */
  reportCellLimit: number;
  /**
   * Entities whose query refuses `MetaData.LastUpdatedTime` in WHERE or ORDERBY with a 400
   * QueryValidationError. CompanyInfo and Preferences are one record each and meant to be read
   * whole; for TaxCode and TaxRate the peers disagree (singer-io filters them by time, Airbyte reads
   * them whole), so the strict answer is the default and a test can lift it.
   */
  unfilterableEntities: string[];
  /**
   * Every record served carries a `PrivateNote` of hostile content chosen by its Id: quotes, SQL,
   * 100,000 characters, 500 levels of nesting, characters beyond the BMP, a NUL character, a lone
   * surrogate. Off (absent) by default.
   */
  hostileRecords?: boolean;
  /** Realms whose API requests, with a valid token, get 403 code 3201 (the app was disconnected). Off (absent) by default. */
  unauthorizedRealms?: string[];
  /**
   * What the authorize page (`/connect/oauth2`) answers for the person who would be at Intuit:
   * `consent` redirects with `code`, `state` and `realmId`, `decline` with `error=access_denied`.
   */
  authorizeDecision: 'consent' | 'decline';
  /** The company a consent connects (the person's pick at Intuit). Absent: the emulator's first realm. */
  authorizeRealmId?: string;
  /**
   * Benchmarks only: a query asked again of a realm whose data has not changed gets the bytes of
   * the first answer (`time` included) instead of being run and serialised again (see
   * http/reply-cache.ts). Off (absent) by default.
   */
  cacheReplies?: boolean;
}

/** The emulator's configuration when nothing is set: QBO's limits on, every fault off. */
export const DEFAULT_EMULATOR_CONFIG: Readonly<EmulatorConfig> = Object.freeze({
  /** @defaultValue 500 */
  requestsPerMinute: 500,
  /** @defaultValue 60000 */
  windowMs: 60_000,
  /** @defaultValue 10 */
  maxConcurrent: 10,
  /** @defaultValue 0 */
  latencyMs: 0,
  /** @defaultValue 0 */
  serverErrorRate: 0,
  /** @defaultValue 0 */
  dropRate: 0,
  /** @defaultValue 0 */
  truncateRate: 0,
  /** @defaultValue false */
  xml429: false,
  /** @defaultValue 3600 */
  accessTokenTtlSeconds: 3600,
  /** @defaultValue 86400 */
  rotateRefreshTokenAfterSeconds: 86_400,
  /** @defaultValue 86400 */
  refreshTokenGraceSeconds: 86_400,
  /** @defaultValue 0 */
  driftPerMinute: 0,
  /** @defaultValue 0 */
  activityPerMinute: 0,
  /** @defaultValue 0 */
  webhookIntervalMs: 0,
  /** @defaultValue `consent` */
  authorizeDecision: 'consent',
  /** @defaultValue 400000 */
  reportCellLimit: 400_000,
  /** @defaultValue `["CompanyInfo", "Preferences", "TaxCode", "TaxRate"]` */
  unfilterableEntities: Object.freeze([
    'CompanyInfo',
    'Preferences',
    'TaxCode',
    'TaxRate',
  ]) as unknown as string[],
});

/** A bad config key or value; the message names it. */
export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
}

type Check = (value: unknown, key: string) => unknown;

function num(min: number, max: number, integer = false): Check {
  return (value, key) => {
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    ) {
      throw new EmulatorConfigError(
        `${key}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
}

const rate = num(0, 1);

function boolean(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean')
    throw new EmulatorConfigError(`${key}: expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

const CHECKS: Record<keyof EmulatorConfig, Check> = {
  requestsPerMinute: num(1, 1_000_000, true),
  windowMs: num(1, 3_600_000, true),
  maxConcurrent: num(1, 10_000, true),
  latencyMs: (value, key) => {
    if (typeof value === 'number') return num(0, 600_000)(value, key);
    if (Array.isArray(value) && value.length === 2) {
      const [min, max] = value.map((v) => num(0, 600_000)(v, key)) as [number, number];
      if (min <= max) return [min, max];
    }
    throw new EmulatorConfigError(
      `${key}: expected a number of ms or [min, max] with min <= max, got ${JSON.stringify(value)}`,
    );
  },
  serverErrorRate: rate,
  dropRate: rate,
  truncateRate: rate,
  xml429: (value, key) => boolean(value, key),
  hostileRecords: (value, key) => boolean(value, key),
  cacheReplies: (value, key) => boolean(value, key),
  unauthorizedRealms: (value, key) => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !/^\d+$/.test(v)))
      throw new EmulatorConfigError(
        `${key}: expected an array of realm ids such as ["9341453050000001"], got ${JSON.stringify(value)}`,
      );
    return value as string[];
  },
  accessTokenTtlSeconds: num(0, 10 * 365 * 86_400),
  rotateRefreshTokenAfterSeconds: num(0, 10 * 365 * 86_400),
  refreshTokenGraceSeconds: num(0, 10 * 365 * 86_400),
  driftPerMinute: num(0, 1_000_000),
  activityPerMinute: num(0, 1_000_000),
  webhookUrl: (value, key) => {
    let ok = typeof value === 'string';
    if (ok) {
      try {
        ok = ['http:', 'https:'].includes(new URL(value as string).protocol);
      } catch {
        ok = false;
      }
    }
    if (!ok)
      throw new EmulatorConfigError(
        `${key}: expected an http(s) URL such as "http://127.0.0.1:3000/webhooks/intuit", got ${JSON.stringify(value)}`,
      );
    return value;
  },
  webhookVerifierToken: (value, key) => {
    if (typeof value !== 'string' || value === '')
      throw new EmulatorConfigError(`${key}: expected a non-empty string, got ${JSON.stringify(value)}`);
    return value;
  },
  webhookIntervalMs: num(0, 3_600_000, true),
  reportCellLimit: num(1, 1_000_000_000, true),
  authorizeDecision: (value, key) => {
    if (value !== 'consent' && value !== 'decline')
      throw new EmulatorConfigError(`${key}: expected "consent" or "decline", got ${JSON.stringify(value)}`);
    return value;
  },
  authorizeRealmId: (value, key) => {
    if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value))
      throw new EmulatorConfigError(
        `${key}: expected a realm id of the emulator, got ${JSON.stringify(value)}`,
      );
    return value;
  },
  unfilterableEntities: (value, key) => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !findEntityKind(v))) {
      throw new EmulatorConfigError(
        `${key}: expected an array of QBO entity names such as ["TaxCode"], got ${JSON.stringify(value)}`,
      );
    }
    return [...new Set(value.map((v) => (findEntityKind(v as string) as { qboName: string }).qboName))];
  },
};

/** Keys that are absent by default and can be set back to absent with null. */
const OPTIONAL_KEYS = new Set([
  'webhookUrl',
  'webhookVerifierToken',
  'authorizeRealmId',
  'unauthorizedRealms',
]);

/** Validates a partial config (from JSON or flags). Throws {@link EmulatorConfigError} on the first problem. */
export function validateConfigPatch(patch: unknown): Partial<EmulatorConfig> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new EmulatorConfigError('expected a JSON object of config keys');
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    // null turns an optional key off again (a webhook endpoint, say).
    if (value === null && OPTIONAL_KEYS.has(key)) {
      out[key] = undefined;
      continue;
    }
    if (!Object.hasOwn(CHECKS, key)) {
      throw new EmulatorConfigError(
        `unknown config key ${JSON.stringify(key)}; known: ${Object.keys(CHECKS).join(', ')}`,
      );
    }
    out[key] = CHECKS[key as keyof EmulatorConfig](value, key);
  }
  return out;
}

/** Names of every config key, in the documented order. */
export const CONFIG_KEYS = Object.keys(CHECKS) as (keyof EmulatorConfig)[];
